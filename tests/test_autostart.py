"""Start at login: every OS's file parses and runs this install; enable/disable/status round trips."""

from __future__ import annotations

import configparser
import contextlib
import os
import plistlib
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from backend import autostart, config
from backend.autostart import linux, macos, windows
from backend.autostart.common import Install
from backend.cli import main
from backend.server.probe import probe
from tests.helpers import free_port

# Paths a user really has: spaces, quotes, shell and systemd specials.
ODD_PYTHON = "/home/Jean Dupont/it's a \"venv\" 100%/$HOME/bin/python3"
ODD_HOME = "/home/Jean Dupont/factures 50% $USER"


def install(python: str = ODD_PYTHON, home: str | None = ODD_HOME) -> Install:
    return Install(python=python, home=home, log_dir="/home/Jean Dupont/.local/state/invoice-collector/log")


def parse_ini(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive in both formats
    parser.read_string(text)
    return parser


def systemd_words(value: str, expands_dollar: bool = True) -> list[str]:
    """systemd's ExecStart= splitting: quotes with C escapes, then %% (and $$ past the program) unescaped."""
    words = [w.replace("%%", "%") for w in shlex.split(value)]
    return [w.replace("$$", "$") if i and expands_dollar else w for i, w in enumerate(words)]


def desktop_words(value: str) -> list[str]:
    """Desktop Entry spec: string escapes first, then Exec quoting (inside quotes a backslash escapes
    one of " ` $ \\), then the %% field-code escape."""
    text = value.replace("\\\\", "\x00").replace("\\s", " ").replace("\x00", "\\")
    words, current, quoted, has_word, i = [], "", False, False, 0
    while i < len(text):
        ch = text[i]
        if quoted and ch == "\\" and text[i + 1] in '"`$\\':
            current, i = current + text[i + 1], i + 2
            continue
        if ch == '"':
            quoted, has_word = not quoted, True
        elif ch == " " and not quoted:
            if has_word:
                words.append(current)
            current, has_word = "", False
        else:
            current, has_word = current + ch, True
        i += 1
    assert not quoted, f"unbalanced quotes in {value!r}"
    if has_word:
        words.append(current)
    return [w.replace("%%", "%") for w in words]


def windows_words(line: str) -> list[str]:
    """CommandLineToArgvW: program name up to its closing quote, then the 2n-backslash rules."""
    if line.startswith('"'):
        end = line.index('"', 1)
        words, rest = [line[1:end]], line[end + 1:]
    else:
        first, _, rest = line.partition(" ")
        words = [first]
    i, current, in_quotes, has_word = 0, "", False, False
    while i < len(rest):
        ch = rest[i]
        if ch == "\\":
            n = len(rest[i:]) - len(rest[i:].lstrip("\\"))
            if i + n < len(rest) and rest[i + n] == '"':
                current += "\\" * (n // 2) + ('"' if n % 2 else "")
                in_quotes = in_quotes if n % 2 else not in_quotes
                i += n + 1
            else:
                current += "\\" * n
                i += n
            has_word = True
        elif ch == '"':
            in_quotes, has_word, i = not in_quotes, True, i + 1
        elif ch in " \t" and not in_quotes:
            if has_word:
                words.append(current)
            current, has_word, i = "", False, i + 1
        else:
            current, has_word, i = current + ch, True, i + 1
    if has_word:
        words.append(current)
    return words


# ---------------------------------------------------------------- the files, for each OS

def test_systemd_unit_parses_and_runs_this_install():
    unit = parse_ini(linux.systemd_unit(install().serve_argv(), install().env()))
    assert systemd_words(unit["Service"]["ExecStart"]) == [ODD_PYTHON, "-m", "backend", "serve"]
    env = systemd_words(unit["Service"]["Environment"], expands_dollar=False)
    assert env == [f"INVOICE_COLLECTOR_HOME={ODD_HOME}"]
    assert unit["Service"]["Restart"] == "on-failure"
    assert unit["Install"]["WantedBy"] == "default.target"


def test_systemd_unit_without_home_sets_no_environment():
    unit = parse_ini(linux.systemd_unit(install(home=None).serve_argv(), install(home=None).env()))
    assert "Environment" not in unit["Service"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_itself_accepts_the_unit_and_finds_the_interpreter(tmp_path):
    """systemd-analyze parses ExecStart= as systemd does and checks the program exists."""
    odd_dir = tmp_path / "my venv 100% $x" / "bin"
    odd_dir.mkdir(parents=True)
    python = odd_dir / "python 3"
    python.symlink_to(sys.executable)
    good = tmp_path / "ic-good.service"
    good.write_text(linux.systemd_unit(install(python=str(python)).serve_argv(), install().env()))
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", str(good)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    python.unlink()  # the same unit for an interpreter that is gone: systemd must complain
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", str(good)], capture_output=True, text=True)
    assert result.returncode != 0 and str(python) in result.stderr


def test_desktop_entry_parses_and_runs_the_launcher():
    entry = parse_ini(linux.desktop_entry(install().launcher_argv()))["Desktop Entry"]
    assert desktop_words(entry["Exec"]) == [ODD_PYTHON, "-m", "backend.autostart.launch", "--home", ODD_HOME]
    assert entry["TryExec"] == ODD_PYTHON
    assert entry["Type"] == "Application" and entry["Terminal"] == "false"


def test_launch_agent_plist_runs_at_load_keeps_alive_and_logs():
    agent = plistlib.loads(macos.launch_agent(install().serve_argv(), install().env(), install().log_dir))
    assert agent["Label"] == macos.LABEL
    assert agent["ProgramArguments"] == [ODD_PYTHON, "-m", "backend", "serve"]
    assert agent["RunAtLoad"] is True and agent["KeepAlive"]
    assert agent["EnvironmentVariables"] == {"INVOICE_COLLECTOR_HOME": ODD_HOME}
    assert agent["StandardOutPath"] == agent["StandardErrorPath"] == install().log_dir + "/server-output.log"


def test_windows_run_value_uses_pythonw_with_windows_quoting():
    python = r"C:\Users\Jean Dupont\invoice collector\.venv\Scripts\python.exe"
    home = 'D:\\Factures "2024"\\'
    value = windows.run_value(windows.login_argv(Install(python=python, home=home, log_dir="C:\\logs")))
    assert windows_words(value) == [r"C:\Users\Jean Dupont\invoice collector\.venv\Scripts\pythonw.exe",
                                    "-m", "backend.autostart.launch", "--home", home]


@pytest.mark.parametrize("python, expected", [
    (r"C:\Py\python.exe", r"C:\Py\pythonw.exe"),
    (r"C:\Py\python3.12.exe", r"C:\Py\pythonw3.12.exe"),
    (r"C:\Py\pythonw.exe", r"C:\Py\pythonw.exe"),
])
def test_pythonw_is_the_twin_of_python(python, expected):
    assert windows.pythonw_for(python) == expected


def test_a_path_with_a_line_break_is_refused_clearly():
    with pytest.raises(ValueError, match="line break"):
        linux.systemd_unit(install(python="/opt/bad\npath/python").serve_argv(), {})


# ---------------------------------------------------------------- Linux round trips

@dataclass
class Done:
    returncode: int
    stdout: str = ""
    stderr: str = ""


class FakeSystemctl:
    """Records `systemctl --user` calls and keeps the unit's enabled/active state like systemd."""

    def __init__(self, unit_dir: Path):
        self.unit_dir = unit_dir
        self.calls: list[list[str]] = []
        self.enabled = self.active = False
        self.broken: set[str] = set()

    def __call__(self, argv):
        argv = list(argv)
        self.calls.append(argv)
        assert argv[:2] == ["systemctl", "--user"]
        verb, args = argv[2], argv[3:]
        if verb in self.broken:
            return Done(1, "", "Failed to connect to bus: No medium found")
        if verb in ("enable", "restart") and not (self.unit_dir / args[-1]).exists():
            return Done(1, "", f"Unit file {args[-1]} does not exist.")
        if verb == "enable":
            self.enabled = True
        elif verb == "restart":
            self.active = True
        elif verb == "disable":
            self.enabled, self.active = False, self.active and "--now" not in args
        elif verb == "is-enabled":
            return Done(0 if self.enabled else 1, "enabled\n" if self.enabled else "disabled\n")
        elif verb == "is-active":
            return Done(0 if self.active else 3, "active\n" if self.active else "inactive\n")
        return Done(0)

    def verbs(self) -> list[str]:
        return [" ".join(call[2:]) for call in self.calls if call[2] != "show-environment"]


@pytest.fixture
def systemd(tmp_path):
    run_dir = tmp_path / "run-systemd-system"
    run_dir.mkdir()
    fake = FakeSystemctl(tmp_path / "config" / "systemd" / "user")
    return linux.Linux(tmp_path / "config", fake, systemd_dir=run_dir), fake


def test_systemd_enable_is_idempotent_and_disable_removes_it(systemd):
    manager, fake = systemd
    this = install(python=sys.executable, home="/srv/ic")
    manager.enable(this)
    first = manager.unit_file.read_text()
    assert fake.verbs() == ["daemon-reload", f"enable {linux.UNIT_NAME}", f"restart {linux.UNIT_NAME}"]
    manager.enable(this)
    assert manager.unit_file.read_text() == first
    assert sorted(p.name for p in manager.unit_file.parent.iterdir()) == [linux.UNIT_NAME]
    assert dict(manager.status(this)) == {"systemd user unit": str(manager.unit_file), "systemd": "enabled, active"}

    notes = manager.disable()
    assert not manager.unit_file.exists()
    assert f"disable --now {linux.UNIT_NAME}" in fake.verbs() and fake.verbs()[-1] == "daemon-reload"
    assert notes[-1] == f"removed {manager.unit_file}"
    assert manager.status(this) == []
    assert manager.disable() == ["nothing to remove: start at login was not enabled"]


def test_systemd_status_spots_a_unit_written_for_another_install(systemd):
    manager, _ = systemd
    manager.enable(install(python="/old/venv/bin/python", home=None))
    rows = dict(manager.status(install(python=sys.executable, home=None)))
    assert "written for another install" in rows["systemd user unit"]


def test_systemd_enable_replaces_an_xdg_entry(systemd):
    manager, _ = systemd
    manager.desktop_file.parent.mkdir(parents=True)
    manager.desktop_file.write_text(linux.desktop_entry(install().launcher_argv()))
    notes = manager.enable(install())
    assert not manager.desktop_file.exists() and manager.unit_file.exists()
    assert notes[0].startswith(f"removed {manager.desktop_file}")


def test_systemctl_failure_is_reported_with_its_message(systemd):
    manager, fake = systemd
    fake.broken.add("daemon-reload")
    with pytest.raises(RuntimeError, match="systemctl --user daemon-reload.*Failed to connect to bus"):
        manager.enable(install())


def test_without_systemd_the_manager_falls_back_to_xdg(tmp_path):
    fake = FakeSystemctl(tmp_path)
    manager = linux.Linux(tmp_path / "config", fake, systemd_dir=tmp_path / "absent")
    assert not manager.systemd_available()
    manager.enable(install())
    assert manager.desktop_file.exists() and not manager.unit_file.exists()
    assert fake.calls == []  # systemctl is never asked when systemd did not boot the machine


@pytest.fixture
def xdg_cli(home, tmp_path, monkeypatch):
    """The CLI on Linux without systemd, under a temporary HOME, server port free."""
    user_home = tmp_path / "user home"
    user_home.mkdir()
    monkeypatch.setenv("HOME", str(user_home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setattr(linux, "SYSTEMD_RUNTIME_DIR", tmp_path / "no-systemd")
    config.save(config.Settings(port=free_port()))
    return user_home / ".config" / "autostart" / linux.DESKTOP_NAME


def test_xdg_round_trip_through_the_cli(xdg_cli, home, monkeypatch, capsys):
    started: list[list[str]] = []
    monkeypatch.setattr(autostart, "start_now", lambda port: lambda argv: started.append(list(argv)) or "spawned")
    assert main(["autostart", "enable"]) == 0
    out = capsys.readouterr().out
    assert f"wrote {xdg_cli}" in out and "spawned" in out and "server: not answering" in out
    argv = desktop_words(parse_ini(xdg_cli.read_text())["Desktop Entry"]["Exec"])
    assert argv == [sys.executable, "-m", "backend.autostart.launch", "--home", str(home)] == started[0]

    assert main(["autostart", "enable"]) == 0
    assert [p.name for p in xdg_cli.parent.iterdir()] == [linux.DESKTOP_NAME]
    capsys.readouterr()
    assert main(["autostart", "status"]) == 0
    assert f"XDG autostart entry: {xdg_cli}\n" in capsys.readouterr().out

    assert main(["autostart", "disable"]) == 0
    assert f"removed {xdg_cli}" in capsys.readouterr().out
    assert not xdg_cli.exists()
    assert main(["autostart", "status"]) == 0
    assert "start at login: not enabled" in capsys.readouterr().out


def test_enable_refuses_an_interpreter_that_does_not_import_this_install(tmp_path):
    autostart.check_importable(sys.executable)  # this venv: the editable install of this checkout
    bare = tmp_path / "bare venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=120)
    with pytest.raises(RuntimeError, match=r"does not import this copy of invoice-collector .*pip install -e"):
        autostart.check_importable(str(bare / "bin" / "python"))


# ---------------------------------------------------------------- macOS and Windows, runners faked

class FakeLaunchctl:
    def __init__(self):
        self.calls: list[list[str]] = []
        self.loaded: set[str] = set()

    def __call__(self, argv):
        argv = list(argv)
        self.calls.append(argv)
        verb = argv[1]
        if verb == "print":
            return Done(0 if argv[2] in self.loaded else 113)
        if verb == "bootstrap":
            label = plistlib.loads(Path(argv[3]).read_bytes())["Label"]
            if f"{argv[2]}/{label}" in self.loaded:
                return Done(5, "", "Bootstrap failed: 5: Input/output error")
            self.loaded.add(f"{argv[2]}/{label}")
        if verb == "bootout":
            self.loaded.discard(argv[2])
        return Done(0)


def test_macos_round_trip(tmp_path):
    fake = FakeLaunchctl()
    manager = macos.MacOS(tmp_path, 501, fake)
    this = install(python="/Users/jean/ic/.venv/bin/python", home=None)
    manager.enable(this)
    manager.enable(this)  # reloads instead of failing on an already bootstrapped label
    assert [c for c in fake.calls if c[1] == "bootstrap"][0] == \
        ["launchctl", "bootstrap", "gui/501", str(tmp_path / "Library/LaunchAgents" / f"{macos.LABEL}.plist")]
    assert fake.loaded == {f"gui/501/{macos.LABEL}"}
    assert dict(manager.status(this)) == {"LaunchAgent": str(manager.plist_file), "launchd": "loaded"}
    manager.disable()
    assert not manager.plist_file.exists() and not fake.loaded
    assert manager.status(this) == []


class FakeRegistry(dict):
    def get(self, name):
        return super().get(name)

    def set(self, name, value):
        self[name] = value

    def delete(self, name):
        del self[name]


def test_windows_round_trip():
    registry, spawned = FakeRegistry(), []
    manager = windows.Windows(registry, spawn=lambda argv: spawned.append(argv) or "started")
    this = Install(python=r"C:\ic\.venv\Scripts\python.exe", home=None, log_dir=r"C:\logs")
    manager.enable(this)
    manager.enable(this)
    assert list(registry) == [windows.VALUE_NAME]
    assert windows_words(registry[windows.VALUE_NAME])[0] == r"C:\ic\.venv\Scripts\pythonw.exe"
    assert spawned[0][0].endswith("pythonw.exe")
    assert "=" in dict(manager.status(this))["Run key"] and "another install" not in dict(manager.status(this))["Run key"]
    manager.disable()
    assert registry == {} and manager.status(this) == []


@pytest.mark.keyring
def test_xdg_enable_starts_the_real_server_now_and_status_sees_it(xdg_cli, home, capsys):
    """The end-to-end path on this machine: the entry's command really starts `serve`."""
    port = config.load().port
    assert main(["autostart", "enable"]) == 0
    out = capsys.readouterr().out
    match = re.search(r"started the server now \(pid (\d+)\)", out)
    assert match, out
    pid = int(match.group(1))
    try:
        assert f"server: answering on http://127.0.0.1:{port}/api/health (invoice-collector" in out
        assert main(["autostart", "enable"]) == 0  # idempotent: the running server is left alone
        assert "the server already answers" in capsys.readouterr().out
        output_log = home / "logs" / "server-output.log"
        assert f"listening on http://127.0.0.1:{port}" in output_log.read_text()
        assert main(["autostart", "status"]) == 0
        assert "server: answering" in capsys.readouterr().out
        assert main(["autostart", "disable"]) == 0  # removes the entry and stops its server
        assert f"stopped the server (pid {pid})" in capsys.readouterr().out
        assert not probe(port, timeout=1).answering and not xdg_cli.exists()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        assert wait_for_down(port), "the server did not stop on SIGTERM"


def wait_for_down(port: int, deadline_s: float = 30) -> bool:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if not probe(port, timeout=1).answering:
            return True
        time.sleep(0.2)
    return False


@pytest.mark.keyring
def test_xdg_enable_reports_a_server_that_cannot_start(xdg_cli, home, capsys):
    """Another program holds the port: the started server exits, and enable says where to look."""
    from flask import Flask

    from tests.helpers import serve
    squatter = Flask("squatter")
    squatter.get("/api/health")(lambda: "not us")
    with serve(squatter) as url:
        config.save(config.Settings(port=int(url.rsplit(":", 1)[1])))
        assert main(["autostart", "enable"]) == 0
    out = capsys.readouterr().out
    log = home / "logs" / "server-output.log"
    assert f"the server stopped at once (exit code 1): see {log}" in out, out
    assert "cannot listen on 127.0.0.1" in log.read_text()
    assert xdg_cli.exists()  # the entry stays: the port may be free at the next login
    assert main(["autostart", "disable"]) == 0
