"""The built wheel carries everything the program reads at run time, and finds it once installed."""

from __future__ import annotations

import email
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from backend import paths

REPO = Path(__file__).resolve().parent.parent
BUILD_INPUTS = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "providers.yaml", "backend", "extension"]
# Floors that keep known vulnerable releases out (each bound is the first fixed release).
SECURITY_FLOORS = {
    "waitress": "3.0.1",  # CVE-2024-49768 / CVE-2024-49769
    "flask-cors": "6.0",  # CVE-2024-6839, CVE-2024-6844, CVE-2024-6866
    "requests": "2.32.4",  # CVE-2024-35195, CVE-2024-47081
    "aiosmtpd": "1.4.6",  # CVE-2024-27305, CVE-2024-34083
    "flask": "3.1.1",  # CVE-2025-47278
}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build from a copy of the tree, so the build never writes into the shared checkout."""
    source = tmp_path_factory.mktemp("src")
    for name in BUILD_INPUTS:
        origin = REPO / name
        if origin.is_dir():
            shutil.copytree(origin, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        else:
            shutil.copy2(origin, source / name)
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                             "-q", "-w", str(out), str(source)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = out.glob("invoice_collector-*.whl")
    return built


def test_wheel_holds_catalog_schema_demo_and_extension(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "backend/providers.yaml" in names
    assert "backend/collectors/recipe.schema.json" in names
    demo = files_under(REPO / "backend" / "demo")
    assert "demo/portal.py" in demo and any(n.endswith(".html") for n in demo), demo
    assert {f"backend/{n}" for n in demo} <= names
    extension = files_under(REPO / "extension")
    assert "extension/manifest.json" in extension
    assert {f"backend/{n}" for n in extension} <= names


def files_under(folder: Path) -> set[str]:
    """Every file a checkout has there, as a path relative to the folder's parent."""
    return {str(p.relative_to(folder.parent)) for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def test_wheel_declares_the_command_and_pinned_dependencies(wheel):
    archive = zipfile.ZipFile(wheel)
    info = next(n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt"))
    assert "invoice-collector = backend.cli:main" in archive.read(info).decode()
    metadata = email.message_from_bytes(archive.read(info.replace("entry_points.txt", "METADATA")))
    runtime = [Requirement(r) for r in metadata.get_all("Requires-Dist") if "extra ==" not in r]
    assert {r.name for r in runtime} >= set(SECURITY_FLOORS) | {"selenium", "keyring", "pyyaml"}
    for requirement in runtime:
        floors = [s.version for s in requirement.specifier if s.operator == ">="]
        assert floors, f"{requirement} has no lower bound"
        installed = importlib.metadata.version(requirement.name)
        assert requirement.specifier.contains(installed), f"installed {requirement.name} {installed} " \
                                                          f"is outside {requirement}"
        if requirement.name in SECURITY_FLOORS:
            assert not requirement.specifier.contains(_before(SECURITY_FLOORS[requirement.name])), requirement


def _before(version: str) -> str:
    """A release just below `version` (1.4.6 -> 1.4.5, 6.0 -> 5.999)."""
    parts = [int(p) for p in version.split(".")]
    if parts[-1]:
        parts[-1] -= 1
        return ".".join(map(str, parts))
    return ".".join(map(str, parts[:-2] + [parts[-2] - 1, 999]))


def test_installed_wheel_finds_its_own_files(wheel, tmp_path):
    """Installed without a checkout around it, the package reads its bundled copies."""
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    probe = ("import json; from backend import paths; from backend.collectors import load_catalog; "
             "c = load_catalog(user_dir=paths.user_recipes_dir()); "
             "print(json.dumps({'catalog': str(paths.bundled_catalog()), 'extension': str(paths.extension_dir()), "
             "'package': str(paths.PACKAGE_DIR), 'providers': len(c.providers), 'errors': [str(e) for e in c.errors]}))")
    # -S: no site-packages .pth, so the editable install of the checkout cannot shadow the wheel
    env = {"PYTHONPATH": os.pathsep.join([str(site), sysconfig.get_paths()["purelib"]]),
           "INVOICE_COLLECTOR_HOME": str(tmp_path / "home"), "PATH": os.environ.get("PATH", "")}
    result = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    package = site / "backend"
    assert Path(found["package"]) == package
    assert Path(found["catalog"]) == package / "providers.yaml"
    assert (package / "providers.yaml").read_bytes() == (REPO / "providers.yaml").read_bytes()
    assert Path(found["extension"]) == package / "extension"
    assert json.loads((package / "extension" / "manifest.json").read_text())["manifest_version"] == 3
    assert found["errors"] == [] and found["providers"] > 0


def test_checkout_finds_root_catalog_and_extension():
    assert paths.bundled_catalog() == REPO / "providers.yaml"
    assert paths.extension_dir() == REPO / "extension"
    assert (paths.extension_dir() / "manifest.json").is_file()
