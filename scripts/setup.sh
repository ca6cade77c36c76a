#!/usr/bin/env bash
# Installs what invoice-collector needs on a fresh Debian/Ubuntu machine with only Python 3
# and root or sudo: Debian's chromium + chromium-driver, gnome-keyring and D-Bus (the Secret
# Service keyring), python3-venv; then a venv in .venv with the package and its test extras;
# for the tests, Java and a Selenium Grid jar (scripts/grid-jar.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
need=()
command -v chromium >/dev/null             || need+=(chromium)
command -v chromedriver >/dev/null         || need+=(chromium-driver)
[ -d /usr/lib/chromium/locales ] && ls /usr/lib/chromium/locales/fr.pak >/dev/null 2>&1 \
                                           || need+=(chromium-l10n)   # the French UI locale
command -v gnome-keyring-daemon >/dev/null || need+=(gnome-keyring)
command -v dbus-run-session >/dev/null     || need+=(dbus dbus-user-session)
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
command -v Xvfb >/dev/null                 || need+=(xvfb)            # headed Chromium in the tests
command -v xdotool >/dev/null              || need+=(xdotool)         # a human's input events, in the tests
command -v npm >/dev/null                  || need+=(nodejs npm)      # test-only packages from the npm registry
command -v java >/dev/null                 || need+=(openjdk-17-jre-headless)  # the Selenium Grid of the tests
if ((${#need[@]})); then
  echo "Installing system packages: ${need[*]}" >&2
  $SUDO apt-get update -q
  # Slim images drop man pages; openjdk's post-install step fails without this folder.
  [[ " ${need[*]} " == *" openjdk-17-jre-headless "* ]] && $SUDO mkdir -p /usr/share/man/man1
  $SUDO apt-get install -y -q --no-install-recommends "${need[@]}" fonts-liberation ca-certificates
fi
# Selenium reaches chromedriver through the name "localhost".
grep -qE '^127\.0\.0\.1[[:space:]].*localhost' /etc/hosts 2>/dev/null \
  || echo '127.0.0.1 localhost' | $SUDO tee -a /etc/hosts >/dev/null
[ -x .venv/bin/python ] || python3 -m venv .venv
# Every package at the exact version and hash of requirements.lock (scripts/lock.sh refreshes it),
# then the project itself, built with the locked setuptools rather than whatever is newest today.
.venv/bin/python -m pip install -q --require-hashes --only-binary :all: -r requirements.lock
.venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
# The install test (tests/test_install.py) runs scripts/install.sh offline, from uv's cache: fill
# the cache now, while the network is there, with one throwaway install of this checkout.
throwaway=$(mktemp -d)
UV_TOOL_DIR="$throwaway/tools" UV_TOOL_BIN_DIR="$throwaway/bin" UV_PYTHON="$PWD/.venv/bin/python" \
  .venv/bin/uv tool install -q --force --constraints requirements.lock . >/dev/null \
  || echo "setup: could not fill uv's cache (tests/test_install.py will say why it skips)" >&2
rm -rf "$throwaway"
# Third-party test fixtures, fetched (never committed) at a pinned version and checked by the tests.
BOTD=tests/.vendor/botd-2.0.0
if [ ! -f "$BOTD/botd.esm.js" ]; then
  pack=$(mktemp -d)
  (cd "$pack" && npm pack --silent @fingerprintjs/botd@2.0.0 >/dev/null && tar -xzf fingerprintjs-botd-2.0.0.tgz)
  mkdir -p "$BOTD" && cp "$pack/package/dist/botd.esm.js" "$pack/package/LICENSE" "$BOTD/"
  rm -rf "$pack"
fi
bash scripts/grid-jar.sh
