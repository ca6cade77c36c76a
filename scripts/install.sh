#!/usr/bin/env bash
# Installs invoice-collector for this user: its own environment, `invoice-collector` on PATH, at the
# versions of requirements.lock; then runs `invoice-collector setup` (doctor, start at login, the
# browsers' native host, what to click in Chrome). Run it again to update after a `git pull`.
#   bash scripts/install.sh              install, then setup
#   bash scripts/install.sh --no-setup   install only
# uv (https://docs.astral.sh/uv/) is used when found, else pipx. UV_TOOL_DIR / UV_TOOL_BIN_DIR
# (or PIPX_HOME / PIPX_BIN_DIR) choose where it goes; UV_OFFLINE=1 installs from uv's cache only.
set -euo pipefail
cd "$(dirname "$0")/.."
run_setup=1
[ "${1:-}" = "--no-setup" ] && run_setup=0

if command -v uv >/dev/null 2>&1; then
  # --reinstall-package: uv would otherwise keep a wheel built from an earlier state of this checkout.
  uv tool install --force --reinstall-package invoice-collector --constraints requirements.lock .
  bin_dir=$(uv tool dir --bin)
elif command -v pipx >/dev/null 2>&1; then
  # pip takes no hashes in a constraints file: the same versions, without them.
  constraints=$(mktemp); trap 'rm -f "$constraints"' EXIT
  grep -E '^[A-Za-z0-9]' requirements.lock | sed 's/ *\\$//' > "$constraints"
  pipx install --force --pip-args="--constraint $constraints" .
  bin_dir=${PIPX_BIN_DIR:-$HOME/.local/bin}
else
  echo "invoice-collector: neither uv nor pipx is installed. Install one of them, then run this again:" >&2
  echo "  Debian/Ubuntu: sudo apt install pipx     macOS: brew install uv     or see https://docs.astral.sh/uv/" >&2
  exit 1
fi

command_path="$bin_dir/invoice-collector"
"$command_path" --version
case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) echo "note: $bin_dir is not on your PATH yet: run \`uv tool update-shell\` (or \`pipx ensurepath\`)," \
          "then open a new terminal. Meanwhile: $command_path" >&2 ;;
esac
if [ "$run_setup" = 1 ]; then
  "$command_path" setup
fi
