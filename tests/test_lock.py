"""requirements.lock (what every install uses) agrees with pyproject.toml's ranges (what we mean).

A dependency added to pyproject without `bash scripts/lock.sh`, or a range moved past the locked
version, fails here with the command that fixes it."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
FIX = "run `bash scripts/lock.sh` and commit requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def locked() -> dict[str, list[str]]:
    """Package name -> the versions pinned for it (one per Python/OS marker)."""
    pins: dict[str, list[str]] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            pins.setdefault(canonicalize_name(match.group(1)), []).append(match.group(2))
    return pins


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted += extra
    return [Requirement(text) for text in wanted]


def test_every_declared_dependency_is_locked_within_its_range():
    pins = locked()
    problems = []
    for requirement in declared():
        versions = pins.get(canonicalize_name(requirement.name))
        if not versions:
            problems.append(f"{requirement.name} is in pyproject.toml but not in requirements.lock")
            continue
        outside = [v for v in versions if not requirement.specifier.contains(v, prereleases=True)]
        if outside:
            problems.append(f"{requirement.name}: locked {', '.join(outside)} is outside '{requirement.specifier}'")
    assert problems == [], f"{'; '.join(problems)}: {FIX}"


def test_every_locked_package_has_hashes_and_one_exact_version():
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text)
    pinned = [entry for entry in entries if PIN.match(entry)]
    assert len(pinned) > 30
    assert [entry.split()[0] for entry in pinned if "--hash=sha256:" not in entry] == []
    unpinned = [line for line in text.splitlines() if line and line[0].isalnum() and not PIN.match(line)]
    assert unpinned == [], f"not pinned with ==: {unpinned}; {FIX}"


def test_the_install_scripts_use_the_lock():
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert "--require-hashes" in setup and "-r requirements.lock" in setup
    assert "--no-deps" in setup  # the project itself adds nothing the lock did not pin
