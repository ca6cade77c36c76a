#!/usr/bin/env bash
# The static checks the README's test command runs before the tests (configuration in pyproject.toml
# and .importlinter): ruff on everything, mypy on backend/, import-linter's layer contracts.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/lint-imports --no-cache
