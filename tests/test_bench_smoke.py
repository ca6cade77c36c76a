"""The benchmarks still run: `bench/run.py --quick` (tiny sizes, nothing recorded) end to end.

No figure is asserted (timings depend on the machine); each benchmark must finish, check its own
results (every PDF's SHA-256, every sync's outcome) and print its report."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.run import BENCHMARKS

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"


def run_quick(name: str, tmp_path: Path, **env: str) -> None:
    """One benchmark at a time, so that two test workers share them out."""
    before = DOC.read_bytes() if DOC.exists() else None
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", name], cwd=ROOT,
                          env={**os.environ, "INVOICE_COLLECTOR_HOME": str(tmp_path / "home"), **env},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    number = list(BENCHMARKS).index(name) + 1
    assert f"\n{number}. " in done.stdout, f"{name}: no report printed\n{done.stdout[-2000:]}"
    assert "target" in done.stdout
    assert (DOC.read_bytes() if DOC.exists() else None) == before, "--quick must not write docs/performance.md"


@pytest.mark.browser
@pytest.mark.keyring
@pytest.mark.parametrize("name", [name for name in BENCHMARKS if name != "grid"])
def test_each_benchmark_runs_in_quick_mode(name, tmp_path):
    run_quick(name, tmp_path)


@pytest.mark.browser
def test_the_grid_benchmark_runs_in_quick_mode_on_the_sessions_grid(tmp_path, grid):
    # The Grid benchmark uses the session's Grid rather than start a JVM of its own.
    run_quick("grid", tmp_path, BENCH_GRID_URL=grid.url, BENCH_GRID_PID=str(grid.process.pid))


def test_a_wrong_benchmark_name_is_refused_with_the_list():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "nosuch"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "unknown benchmark 'nosuch': choose from engine, download, rest, api, accounts, growth, stealth, grid" in done.stderr
