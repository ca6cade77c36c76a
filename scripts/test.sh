#!/usr/bin/env bash
# Runs the linters, then the whole test suite with the real parts: Debian's chromium +
# chromedriver, and a throwaway, unlocked gnome-keyring (Secret Service) inside its own D-Bus
# session. Arguments go to pytest; with arguments (a partial rerun) the linters are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
export SE_OFFLINE=true SE_AVOID_STATS=true   # Selenium Manager must never download anything
export CHROME_BIN="${CHROME_BIN:-/usr/bin/chromium}" CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export REQUIRE_SECRET_SERVICE=1
export REQUIRE_GRID=1  # the Grid tests fail, not skip, without Java or the jar (scripts/setup.sh)
if (($# == 0)); then
  bash scripts/lint.sh
  # Two workers (pytest-xdist) by default, each with a keyring of its own (tests/worker_keyring.py);
  # the Grid's tests stay on one. TEST_WORKERS=1 runs it in one process. The slowest tests are
  # listed at the end, to keep the run within its time.
  set -- --durations=25
  workers=${TEST_WORKERS:-2}
  if [ "$workers" != 1 ]; then set -- "$@" -n "$workers" --dist loadgroup; fi
fi
# The bus, and the gnome-keyring it may activate, get a private HOME and XDG folders from the
# start: the user's own login keyring (another password) must never be the one unlocked.
KR_HOME=$(mktemp -d); trap 'rm -rf "$KR_HOME"' EXIT
mkdir -p "$KR_HOME/home" "$KR_HOME/data" "$KR_HOME/cache" "$KR_HOME/config" "$KR_HOME/runtime"
chmod 700 "$KR_HOME/runtime"
# If the keyring daemon ends during the run, the bus starts another at the next call (D-Bus
# activation): this service file, found first in our XDG_DATA_HOME, makes that one unlocked too,
# with the same keyring and password (Debian's own would start a locked one, and every later
# keyring test would fail).
mkdir -p "$KR_HOME/data/dbus-1/services"
printf '%s\n' '[D-BUS Service]' 'Name=org.freedesktop.secrets' \
  "Exec=/bin/sh -c 'printf %s ci-keyring-pw | exec gnome-keyring-daemon --replace --foreground --unlock --components=secrets'" \
  > "$KR_HOME/data/dbus-1/services/org.freedesktop.secrets.service"
env HOME="$KR_HOME/home" XDG_DATA_HOME="$KR_HOME/data" XDG_CACHE_HOME="$KR_HOME/cache" \
  XDG_CONFIG_HOME="$KR_HOME/config" XDG_RUNTIME_DIR="$KR_HOME/runtime" \
  dbus-run-session -- bash -c '
  # The unlocked daemon sometimes is not the one answering (it died at start, and D-Bus then
  # activates a locked one): every keyring test would fail. Check with a write and a read, and
  # replace whatever answers with an unlocked daemon until one works.
  probe="import keyring, sys; keyring.set_password(\"ic-test-probe\", \"p\", \"ok\"); \
sys.exit(keyring.get_password(\"ic-test-probe\", \"p\") != \"ok\")"
  for attempt in 1 2 3 4 5; do
    eval "$(printf %s ci-keyring-pw | gnome-keyring-daemon --replace --unlock --components=secrets)"
    export GNOME_KEYRING_CONTROL
    timeout 20 .venv/bin/python -c "$probe" 2>/dev/null && break
    echo "test keyring: not unlocked (attempt $attempt), starting it again" >&2
    [ "$attempt" = 5 ] && { echo "test keyring: could not unlock it; not running the tests" >&2; exit 1; }
  done
  .venv/bin/python -m pytest -q -p no:cacheprovider "$@"' _ "$@"
