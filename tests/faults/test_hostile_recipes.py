"""Hostile recipe files where users meet them (the validator itself is fuzzed in
tests/test_validator_hostile.py): `invoice-collector recipe check` as a real process with its
address space capped, and `serve` with the files in providers.d — clear FILE:LINE:COL errors, in
bounded time and memory, and the good providers still served. Plus recipes generated from the
step vocabulary with wrong types, unknown steps and arguments, which never crash the validator."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from backend.collectors.language.catalog import load_file
from backend.collectors.steps import STEPS
from tests.faults.harness import FIGURES, PROVIDER, REPO, Server, prepare_home, wait_for
from tests.helpers import free_port
from tests.test_validator_hostile import VALID, billion_laughs

MEMORY_CAP = 1 << 30  # 1 GiB of address space for `recipe check` (an unbounded alias bomb needs far more)


def hostile_files(folder) -> dict[str, str]:
    """name -> the error expected for it (a fragment)."""
    files = {
        "bomb.yaml": (billion_laughs(), "alias *d expands the file beyond 100,000 values"),
        "deep.yaml": ("providers: " + "[" * 5000 + "]" * 5000 + "\n", "nested deeper than 64 levels"),
        "binary.yaml": (None, "not UTF-8"),
        "tags.yaml": ("providers:\n  - !!python/object/apply:os.system ['touch pwned']\n", "is not allowed"),
        "types.yaml": (VALID.replace("    category: x\n", "    category: x\n    interval_hours: daily\n")
                       .replace("      - open: \"https://acme.example/login\"\n", "      - open: 5\n"),
                       "interval_hours"),
        "unknown-step.yaml": (VALID.replace("      - fill:", "      - fil:"), "unknown step 'fil'"),
        "wrong-shape.yaml": ("providers: {id: acme}\n", "providers"),
        "no-such-date.yaml": (VALID.replace('terms: {version: "1"', "terms: {version: 2024-02-30"),
                              "'2024-02-30' reads as a date that does not exist"),
    }
    made = {}
    for name, (text, expected) in files.items():
        path = folder / name
        if text is None:
            path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 50)
        else:
            path.write_text(text, encoding="utf-8")
        made[name] = expected
    with open(folder / "huge.yaml", "w") as handle:  # ~5 MB, over the 2 MB limit
        handle.write("providers:\n")
        for n in range(200_000):
            handle.write(f"  - id: provider-number-{n}\n")
    made["huge.yaml"] = "larger than 2 MB"
    return made


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def test_recipe_check_refuses_each_hostile_file_clearly_in_bounded_time_and_memory(tmp_path):
    folder = tmp_path / "recipes"
    folder.mkdir()
    expected = hostile_files(folder)
    env = dict(os.environ, INVOICE_COLLECTOR_HOME=str(tmp_path / "home"))
    for name, fragment in expected.items():
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "backend", "recipe", "check", str(folder / name)], cwd=REPO,
                                env=env, capture_output=True, text=True, timeout=60, preexec_fn=_cap_memory)
        elapsed = time.monotonic() - started
        assert result.returncode == 1, (name, result.stdout[-500:], result.stderr[-500:])
        lines = [line for line in result.stdout.splitlines() if line.startswith(str(folder / name))]
        assert lines and all(re.match(rf"{re.escape(str(folder / name))}:\d+:\d+: \S", line) for line in lines)
        assert any(fragment in line for line in lines), (name, lines[:3])
        assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr
        assert elapsed < 15, f"{name}: {elapsed:.1f}s"  # about a second each (Python's start included)
    assert not (REPO / "pwned").exists() and not (tmp_path / "pwned").exists()
    FIGURES["hostile recipe files checked (recipe check)"] += len(expected)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mb < 500, f"a check peaked at {peak_mb:.0f} MB"


@pytest.mark.keyring
def test_serve_with_hostile_user_recipes_still_serves_the_good_providers(home, tmp_path):
    from backend.core.keyring_store import KeyringUnavailable, check_backend
    try:
        check_backend()
    except KeyringUnavailable as exc:
        pytest.skip(f"needs an unlocked Secret Service keyring (run bash scripts/test.sh): {exc}")
    port = free_port()
    prepare_home(home, port, "http://127.0.0.1:9")
    expected = hostile_files(home / "config" / "providers.d")
    server = Server(home, port)
    try:
        started = time.monotonic()
        server.start()
        server.pair()
        providers = server.api("GET", "/api/providers", expect=200).json()["providers"]
        elapsed = time.monotonic() - started
        ids = {p["id"] for p in providers}
        assert PROVIDER in ids and "edf" in ids and "acme" not in ids  # the bundled catalog is intact
        assert elapsed < 20, f"{elapsed:.1f}s to serve the providers"
        status = (f"/proc/{server.process.pid}/status")
        peak_kb = int(re.search(r"VmHWM:\s+(\d+) kB", Path(status).read_text()).group(1))
        assert peak_kb < 400_000, f"serve peaked at {peak_kb // 1024} MB"
        log = wait_for(lambda: all(f"providers.d/{name}:" in server.log_text() for name in expected) and
                       server.log_text(), 20, "every problem in the log")
        FIGURES["hostile recipe files loaded by serve"] += len(expected)
        for name, fragment in expected.items():
            lines = [line for line in log.splitlines() if f"providers.d/{name}:" in line]
            assert any(fragment in line for line in lines), (name, lines[:2])
    finally:
        server.cleanup()


# ---- recipes made from the step vocabulary, wrong in every way -------------------------------------------
VALUES = st.recursive(st.none() | st.booleans() | st.integers(-5, 10**12) | st.floats(allow_nan=True)
                      | st.text(max_size=12) | st.sampled_from(["{{ password }}", "{{ nope }}", "#x", "xpath=//a[",
                                                               "LOGIN_FAILED", "NOPE", "(", "https://x.example"]),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                   max_size=3), max_leaves=6)
STEP_NAMES = sorted(STEPS) + ["clik", "opne", "", "invoices "]


@st.composite
def steps(draw, depth: int = 0):
    made = []
    for _ in range(draw(st.integers(0, 4))):
        name = draw(st.sampled_from(STEP_NAMES))
        spec = STEPS.get(name)
        if spec is None or draw(st.integers(0, 3)) == 0:
            made.append({name: draw(VALUES)})
            continue
        args = {}
        for arg in draw(st.lists(st.sampled_from(sorted(spec.args) + ["bogus"]), max_size=4, unique=True)):
            if arg in ("then", "else", "steps") and depth < 2:
                args[arg] = draw(steps(depth + 1))
            else:
                args[arg] = draw(VALUES)
        made.append({name: args})
    return made


@settings(max_examples=int(os.environ.get("RECIPE_FUZZ_EXAMPLES", "150")), deadline=None,
          derandomize=not os.environ.get("FUZZ_RANDOM"),
          database=None, suppress_health_check=list(HealthCheck))
@given(steps=steps(), extra=st.dictionaries(st.sampled_from(["interval_hours", "urls", "options", "credentials",
                                                             "status", "expect_invoices", "logo", "bogus"]),
                                            VALUES, max_size=3))
@example(steps=[], extra={"options": 1})  # found by this test: a TypeError in the template check
@example(steps=[], extra={"credentials": 5})
@example(steps=[{"back": None}, {"back": None}, {"check": {"checked": {"\x85": None}, "locator": {"\x85": None}}}],
         extra={})  # found by this test: YAML counts NEL (U+0085) as a line break, the position code did not
def test_recipes_with_wrong_types_and_unknown_steps_never_crash_the_validator(tmp_path_factory, steps, extra):
    provider = {"id": "fuzz", "name": "Fuzz", "homepage": "https://fuzz.example", "category": "x",
                "terms": {"version": "1", "text": "ok"},
                "credentials": [{"name": "login", "label_fr": "a", "label_en": "b"},
                                {"name": "password", "label_fr": "c", "label_en": "d", "type": "password"}],
                "steps": steps} | extra
    path = tmp_path_factory.mktemp("recipe") / "fuzz.yaml"
    text = yaml.safe_dump({"providers": [provider]}, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    started = time.monotonic()
    providers, errors = load_file(path)
    assert time.monotonic() - started < 5
    FIGURES["generated recipes validated"] += 1
    assert bool(providers) != bool(errors)
    lines = text.count("\n") + 2
    for error in errors:
        assert error.file == str(path) and 1 <= error.line <= lines and error.column >= 1 and error.message

