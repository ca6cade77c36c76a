"""`invoice-collector native-host install|uninstall|status`, `autostart enable|disable` and `setup`:
the manifests Chrome and Chromium read, really written under a temporary HOME on Linux; macOS and
Windows through their computed locations and an injected registry."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from backend import autostart, config, doctor
from backend.autostart import browser_hosts, linux
from backend.autostart.common import Install
from backend.cli import main
from tests.helpers import free_port
from tests.test_extension_support import EXTENSION_ID

ORIGIN = f"chrome-extension://{EXTENSION_ID}/"
NAME = "fr.invoice_collector.host.json"


@pytest.fixture
def user_home(tmp_path, monkeypatch, home) -> Path:
    path = tmp_path / "user home"
    path.mkdir()
    monkeypatch.setenv("HOME", str(path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    config.save(config.Settings(port=free_port()))
    return path


def hello_through(launcher: Path) -> dict:
    body = json.dumps({"type": "hello"}).encode()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "INVOICE_COLLECTOR_HOME")}
    result = subprocess.run([str(launcher), ORIGIN], input=struct.pack("=I", len(body)) + body, env=env,
                            capture_output=True, timeout=60, cwd="/")
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout[4:])


def test_linux_install_writes_what_chrome_and_chromium_read(user_home, home, capsys):
    assert main(["native-host", "install"]) == 0
    out = capsys.readouterr().out
    launcher = home / "data" / "native-host" / "invoice-collector-native-host"
    manifests = [user_home / ".config" / folder / "NativeMessagingHosts" / NAME for folder in ("google-chrome", "chromium")]
    for manifest in manifests:
        assert f"wrote {manifest}" in out
        assert json.loads(manifest.read_text()) == {
            "name": "fr.invoice_collector.host", "description": browser_hosts.DESCRIPTION, "path": str(launcher),
            "type": "stdio", "allowed_origins": [ORIGIN]}
    assert f"allowed caller: {ORIGIN}" in out
    assert os.access(launcher, os.X_OK)
    text = launcher.read_text()
    assert f"exec '{os.path.abspath(sys.executable)}' -m backend.native_host \"$@\"" in text  # this Python, not `python`
    assert f"INVOICE_COLLECTOR_HOME='{home}'" in text
    # Chrome starts it with its own environment: the launcher alone finds this install and this home.
    assert hello_through(launcher)["port"] == config.load().port

    assert main(["native-host", "status"]) == 0
    status = capsys.readouterr().out
    assert f"native host (Chromium): {manifests[1]}\n" in status and "launcher: starts the host" in status
    assert main(["native-host", "install"]) == 0  # idempotent
    capsys.readouterr()
    assert main(["native-host", "uninstall"]) == 0
    assert not launcher.exists() and not any(m.exists() for m in manifests)
    assert main(["native-host", "uninstall"]) == 0
    assert "nothing to remove" in capsys.readouterr().out
    assert main(["native-host", "status"]) == 0
    assert "native host (Google Chrome): not installed" in capsys.readouterr().out


def test_xdg_config_home_is_honoured_and_a_stale_manifest_is_spotted(user_home, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    hosts = browser_hosts.for_this_user("linux")
    assert hosts.manifest_paths()["Chromium"] == tmp_path / "xdg" / "chromium" / "NativeMessagingHosts" / NAME
    hosts.install(Install(python="/old/venv/bin/python", home=None, log_dir="/tmp"))
    rows = dict(hosts.status(Install.current()))
    assert "run `invoice-collector native-host install` again" in rows["native host (Google Chrome)"]


def test_macos_locations(tmp_path):
    hosts = browser_hosts.BrowserHosts("darwin", tmp_path, tmp_path / "unused", tmp_path / "data" / "native-host")
    support = tmp_path / "Library" / "Application Support"
    assert hosts.manifest_paths() == {"Google Chrome": support / "Google" / "Chrome" / "NativeMessagingHosts" / NAME,
                                      "Chromium": support / "Chromium" / "NativeMessagingHosts" / NAME}
    hosts.install(Install(python="/Users/jean/.local/share/uv/tools/invoice-collector/bin/python", home=None,
                          log_dir="/tmp"), root="/r", origin=ORIGIN)
    manifest = json.loads(hosts.manifest_paths()["Chromium"].read_text())
    assert manifest["path"] == str(tmp_path / "data" / "native-host" / "invoice-collector-native-host")
    assert hosts.uninstall() and not hosts.installed()


class FakeKeys(dict):
    def get_default(self, key):
        return self.get(key)

    def set_default(self, key, value):
        self[key] = value

    def delete_key(self, key):
        del self[key]


def test_windows_registry_keys_name_the_manifest_and_the_launcher_is_a_bat(tmp_path):
    keys = FakeKeys()
    hosts = browser_hosts.BrowserHosts("win32", tmp_path, tmp_path, tmp_path / "host", keys)
    this = Install(python=r"C:\Users\Jean Dupont\ic\Scripts\python.exe", home=r"C:\Factures 100%", log_dir=r"C:\l")
    hosts.install(this, root=r"C:\Users\Jean Dupont\ic\Lib\site-packages", origin=ORIGIN)
    manifest = tmp_path / "host" / NAME
    assert keys == {r"Software\Google\Chrome\NativeMessagingHosts\fr.invoice_collector.host": str(manifest),
                    r"Software\Chromium\NativeMessagingHosts\fr.invoice_collector.host": str(manifest)}
    assert json.loads(manifest.read_text())["path"] == str(tmp_path / "host" / "invoice-collector-native-host.bat")
    bat = (tmp_path / "host" / "invoice-collector-native-host.bat").read_bytes().decode()
    assert bat.endswith('"C:\\Users\\Jean Dupont\\ic\\Scripts\\python.exe" -m backend.native_host %*\r\n')
    assert 'set "INVOICE_COLLECTOR_HOME=C:\\Factures 100%%"\r\n' in bat  # % doubled: cmd.exe would expand it
    assert all(row.endswith(str(manifest)) for _, row in hosts.status(this, root=r"C:\Users\Jean Dupont\ic\Lib"
                                                                       r"\site-packages", origin=ORIGIN))
    hosts.uninstall()
    assert keys == {} and not manifest.exists() and not (tmp_path / "host" / "invoice-collector-native-host.bat").exists()
    with pytest.raises(ValueError, match="double quote"):
        browser_hosts.windows_launcher(Install(python='C:\\a"b\\python.exe', home=None, log_dir=""), "C:\\r")


@pytest.fixture
def xdg_enable(user_home, tmp_path, monkeypatch):
    """`autostart enable` on Linux without systemd; the server start and the venv check stubbed (a
    worktree's venv imports another copy: tests/test_autostart.py checks those for real)."""
    monkeypatch.setattr(linux, "SYSTEMD_RUNTIME_DIR", tmp_path / "no-systemd")
    monkeypatch.setattr(autostart, "check_importable", lambda python: None)
    monkeypatch.setattr(autostart, "start_now", lambda port: lambda argv: "spawned")
    return user_home / ".config"


def test_autostart_enable_installs_the_native_host_and_disable_removes_it(xdg_enable, capsys):
    chromium = xdg_enable / "chromium" / "NativeMessagingHosts" / NAME
    assert main(["autostart", "enable"]) == 0
    assert f"wrote {chromium}" in capsys.readouterr().out and chromium.exists()
    assert main(["autostart", "status"]) == 0
    assert f"native host (Chromium): {chromium}\n" in capsys.readouterr().out
    assert main(["autostart", "disable"]) == 0
    assert f"removed {chromium}" in capsys.readouterr().out and not chromium.exists()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_setup_checks_enables_and_says_what_to_click_in_chrome(xdg_enable, monkeypatch, capsys, lang):
    monkeypatch.setattr(doctor, "all_checks", lambda settings: [
        lambda: doctor.Check("browser", doctor.OK, "Chromium 156"),
        lambda: doctor.Check("server", doctor.WARN, "not answering", "run it")])
    assert main(["setup", "--lang", lang]) == 0
    out = capsys.readouterr().out
    from backend import paths
    assert f"       {paths.extension_dir()}\n" in out
    assert "OK    browser   Chromium 156" in out  # the doctor's report, as `doctor` prints it
    assert str(xdg_enable / "autostart" / linux.DESKTOP_NAME) in out and "NativeMessagingHosts" in out
    if lang == "fr":
        for words in ("Extensions > Gérer les extensions", "« Mode développeur »",
                      "« Charger l'extension non empaquetée »", "épinglez « Collecte de factures »"):
            assert words in out
    else:
        for words in ("Extensions > Manage Extensions", "« Developer mode »", "« Load unpacked »", "pin « Collecte"):
            assert words in out


def test_setup_says_to_fix_a_failed_check_and_exits_1(xdg_enable, monkeypatch, capsys):
    monkeypatch.setattr(doctor, "all_checks", lambda settings: [
        lambda: doctor.Check("keyring", doctor.FAIL, "no Secret Service", "install gnome-keyring")])
    assert main(["setup", "--lang", "fr"]) == 1
    assert "corrigez ce que les vérifications marquent FAIL" in capsys.readouterr().out
