"""The layout holds: every module of backend/ imports on its own (no import-order dependency, no
cycle held together by function-level imports), and the server's import stays light. The layer
contracts themselves are checked by import-linter in scripts/lint.sh."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import backend

MODULES = sorted(m.name for m in pkgutil.walk_packages(backend.__path__, "backend.")
                 if not m.name.endswith("__main__"))


def _forget_backend() -> None:
    for name in [n for n in sys.modules if n == "backend" or n.startswith("backend.")]:
        del sys.modules[name]


@pytest.mark.parametrize("name", MODULES)
def test_every_module_imports_on_its_own(name):
    saved = {n: m for n, m in sys.modules.items() if n == "backend" or n.startswith("backend.")}
    _forget_backend()  # third-party modules stay loaded: only our own import order is under test
    try:
        importlib.import_module(name)
    finally:
        _forget_backend()
        sys.modules.update(saved)


def test_the_store_and_keyring_do_not_pull_in_flask_or_selenium():
    code = ("import sys, backend.core.store, backend.core.keyring_store, backend.delivery.worker, backend.server; "
            "print(sorted(m for m in ('flask', 'selenium', 'waitress') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_server_app_does_not_load_selenium_or_the_validator():
    code = ("import sys, backend.server.app; "
            "print(sorted(m for m in ('selenium', 'backend.collectors.language.stepcheck') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_engine_entry_points_resolve():
    """backend.collectors names its entry points lazily (the server must not load them at import)."""
    import backend.collectors as engine
    assert {name: callable(getattr(engine, name)) for name in engine.__all__} == dict.fromkeys(engine.__all__, True)
