#!/usr/bin/env bash
# Runs the whole test suite with the real parts: Debian's chromium + chromedriver, and a
# throwaway, unlocked gnome-keyring (Secret Service) inside its own D-Bus session.
set -euo pipefail
cd "$(dirname "$0")/.."
export SE_OFFLINE=true SE_AVOID_STATS=true   # Selenium Manager must never download anything
export CHROME_BIN="${CHROME_BIN:-/usr/bin/chromium}" CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export REQUIRE_SECRET_SERVICE=1
KR_HOME=$(mktemp -d); trap 'rm -rf "$KR_HOME"' EXIT
exec dbus-run-session -- env HOME="$KR_HOME/home" XDG_DATA_HOME="$KR_HOME/data" XDG_CACHE_HOME="$KR_HOME/cache" \
  XDG_CONFIG_HOME="$KR_HOME/config" REAL_HOME="$HOME" bash -c '
  mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME"
  eval "$(printf %s ci-keyring-pw | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  .venv/bin/python -m pytest -q -p no:cacheprovider "$@"' _ "$@"
