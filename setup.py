"""Build hook: a wheel carries the repository-root files the program needs at run time.

In a checkout, providers.yaml (the bundled recipes) and extension/ (loaded unpacked in Chrome)
sit at the repository root. A wheel has no repository root, so the build copies both into the
`backend` package, where backend/paths.py looks when no checkout surrounds the package.
Everything else about the build is in pyproject.toml."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
ROOT_FILES = {"providers.yaml": "providers.yaml", "extension": "extension"}  # source -> inside backend/


class BuildPyWithRootFiles(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads them from the checkout itself
        for source, target in ROOT_FILES.items():
            origin = ROOT / source
            destination = Path(self.build_lib) / "backend" / target
            if origin.is_dir():
                self.copy_tree(str(origin), str(destination))
            elif origin.is_file():
                self.copy_file(str(origin), str(destination))
            else:
                raise FileNotFoundError(f"{origin} is missing: the package would ship without it")


setup(cmdclass={"build_py": BuildPyWithRootFiles})
