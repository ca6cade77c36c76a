"""The README's install line, `bash scripts/install.sh`, from a fresh clone into a temporary uv tool
folder: `invoice-collector` lands on that PATH with its own environment and works from there. uv
reads only its cache (UV_OFFLINE=1): the locked packages must already be in it."""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import signal
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.helpers import free_port, wait_for
from tests.test_extension_support import EXTENSION_ID

REPO = Path(__file__).resolve().parent.parent


def uv_cache() -> Path:
    """This account's uv cache (scripts/test.sh gives the tests another HOME, whose cache is empty)."""
    if os.environ.get("UV_CACHE_DIR"):
        return Path(os.environ["UV_CACHE_DIR"])
    return Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "uv"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(bin folder, environment) after install.sh --no-setup, run from a clone of the committed HEAD."""
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(uv).exists():
        pytest.skip("uv is not installed here (it comes with the lint extra: pip install -e .[lint])")
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout: nothing to clone")
    root = tmp_path_factory.mktemp("install")
    clone = root / "clone"
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(REPO), str(clone)], check=True, timeout=120)
    subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", head], check=True, timeout=120)
    user_home = root / "home"
    user_home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "INVOICE_COLLECTOR_HOME")}
    env |= {"HOME": str(user_home), "PATH": f"{Path(uv).parent}:/usr/bin:/bin", "UV_OFFLINE": "1",
            "UV_CACHE_DIR": str(uv_cache()), "UV_PYTHON": sys.executable,
            "UV_TOOL_DIR": str(root / "tools"), "UV_TOOL_BIN_DIR": str(root / "bin"),
            "INVOICE_COLLECTOR_HOME": str(root / "ic-home")}
    env.pop("XDG_CONFIG_HOME", None)
    result = subprocess.run(["bash", "scripts/install.sh", "--no-setup"], cwd=clone, env=env, capture_output=True,
                            text=True, timeout=600)
    if result.returncode and "network was disabled" in result.stderr:
        pytest.skip(f"uv's cache ({uv_cache()}) lacks some locked packages and the network is off for this test: "
                    f"run `bash scripts/install.sh` once online. uv said: {result.stderr.strip().splitlines()[-1]}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^invoice-collector \d+\.\d+", result.stdout, re.M), result.stdout
    assert "is not on your PATH" in result.stderr  # the bin folder is not on the PATH given: it says how
    env["PATH"] = f"{root / 'bin'}:{env['PATH']}"
    return root, env


def test_the_installed_command_runs_from_path_with_its_own_environment(installed):
    root, env = installed
    command = shutil.which("invoice-collector", path=env["PATH"])
    assert command == str(root / "bin" / "invoice-collector")
    version = subprocess.run(["invoice-collector", "--version"], env=env, capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("invoice-collector "), version.stderr
    where = subprocess.run([str(root / "tools" / "invoice-collector" / "bin" / "python"), "-c",
                            "import backend, sys; print(backend.__file__)"], env=env, capture_output=True,
                           text=True, timeout=60, cwd=root)  # not the checkout: `-c` imports from the cwd first
    assert where.stdout.startswith(str(root / "tools")), where  # not this checkout: a copy of its own


@pytest.mark.keyring
def test_the_installed_server_answers_health_and_the_native_host_runs_the_tool_python(installed):
    root, env = installed
    hosts = subprocess.run(["invoice-collector", "native-host", "install"], env=env, capture_output=True, text=True,
                           timeout=120)
    assert hosts.returncode == 0, hosts.stdout + hosts.stderr
    launcher = root / "ic-home" / "data" / "native-host" / "invoice-collector-native-host"
    assert f"exec '{root / 'tools' / 'invoice-collector' / 'bin' / 'python'}' -m backend.native_host" \
        in launcher.read_text()
    body = json.dumps({"type": "hello"}).encode()
    hello = subprocess.run([str(launcher), f"chrome-extension://{EXTENSION_ID}/"], capture_output=True, timeout=60,
                           input=struct.pack("=I", len(body)) + body, env={"PATH": "/usr/bin:/bin"})
    assert json.loads(hello.stdout[4:])["app"] == "invoice-collector", hello.stderr

    port = free_port()
    server = subprocess.Popen(["invoice-collector", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def healthy():
            try:
                return requests.get(f"http://127.0.0.1:{port}/api/health", timeout=1).json()
            except requests.RequestException:
                assert server.poll() is None, f"serve exited with {server.returncode}"
                return None
        assert wait_for(healthy, timeout=60, what="the installed server")["app"] == "invoice-collector"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
