#!/usr/bin/env bash
# Refreshes requirements.lock from pyproject.toml's ranges: exact versions with their hashes,
# for every OS the README supports (uv's universal resolution), Python 3.10 and newer.
# Run it after changing a dependency in pyproject.toml, then commit both files;
# tests/test_lock.py fails while the two disagree.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/uv ] || { echo "run scripts/setup.sh first (it installs uv in .venv)" >&2; exit 1; }
exec .venv/bin/uv pip compile pyproject.toml --extra test --extra lint --universal --python-version 3.10 \
  --generate-hashes --no-emit-index-url --index-url https://pypi.org/simple \
  --custom-compile-command "bash scripts/lock.sh" -o requirements.lock "$@"
