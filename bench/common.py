"""Shared by the benchmarks: machine facts, medians, the browser set-up, and docs/performance.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")

DOC_HEADER = """# Performance

Figures measured by `python bench/run.py` (see bench/). Each section below was appended by one run of
one benchmark: the date, the machine, the method, the exact command, then the figures. Ratios are
measured side by side in the same run (runs alternate between the two sides); "median (min–max)"
is over the repeated runs.
"""


def chrome_bin() -> str:
    return os.environ.get("CHROME_BIN", "/usr/bin/chromium")


def chromedriver_bin() -> str:
    return os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")


def browser_config():
    from backend.collectors.model import BrowserConfig
    return BrowserConfig(chrome_binary=chrome_bin(), chromedriver=chromedriver_bin())


def machine() -> str:
    """cores, memory, CPU model, Chromium version, Python: the line each section starts with."""
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal:"))
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    try:
        out = subprocess.run([chrome_bin(), "--version"], capture_output=True, text=True, timeout=30).stdout
        chromium = re.search(r"[\d.]{6,}", out).group(0)
    except (OSError, subprocess.SubprocessError, AttributeError):
        chromium = "unknown"
    return (f"{os.cpu_count()} cores, {mem_kb / 1024 / 1024:.1f} GiB RAM, {model}, Chromium {chromium}, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def spread(values: list[float], unit: str = "s", digits: int = 2) -> str:
    """'1.23 s (1.20–1.31)': median with min and max."""
    if not values:
        return "n/a"
    med, low, high = statistics.median(values), min(values), max(values)
    return f"{med:.{digits}f} {unit} ({low:.{digits}f}–{high:.{digits}f})".replace(" ()", "")


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0–100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


@dataclass
class Report:
    """What one benchmark found: figures as (label, value) rows, and its targets as (what, met)."""
    number: int
    title: str
    method: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    targets: list[tuple[str, bool]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def row(self, label: str, value: str) -> None:
        self.rows.append((label, value))

    def target(self, text: str, met: bool) -> None:
        self.targets.append((text, met))

    def markdown(self, command: str, machine_line: str) -> str:
        lines = [f"## {self.number}. {self.title} — {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}", "",
                 f"- Machine: {machine_line}", f"- Command: `{command}`", f"- Method: {self.method}", "",
                 "| Figure | Value |", "| --- | --- |"]
        lines += [f"| {label} | {value} |" for label, value in self.rows]
        if self.targets:
            lines.append("")
            lines += [f"- Target {text}: **{'met' if met else 'MISSED'}**" for text, met in self.targets]
        lines += [""] + [f"- {note}" for note in self.notes] if self.notes else []
        return "\n".join(lines) + "\n"

    def text(self) -> str:
        width = max((len(label) for label, _ in self.rows), default=0)
        out = [f"{self.number}. {self.title}"]
        out += [f"  {label.ljust(width)}  {value}" for label, value in self.rows]
        out += [f"  target {text}: {'met' if met else 'MISSED'}" for text, met in self.targets]
        out += [f"  note: {note}" for note in self.notes]
        return "\n".join(out)


def record(report: Report, command: str, machine_line: str, doc: Path = DOC) -> None:
    doc.parent.mkdir(parents=True, exist_ok=True)
    existing = doc.read_text(encoding="utf-8") if doc.exists() else DOC_HEADER
    doc.write_text(existing.rstrip("\n") + "\n\n" + report.markdown(command, machine_line), encoding="utf-8")


def command_line() -> str:
    return "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:])
