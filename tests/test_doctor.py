"""`invoice-collector doctor`: each check failing and passing, then the real command in a fresh home."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import keyring
import pytest
from flask import Flask
from jaraco.classes import properties
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import KeyringLocked

from backend import config, doctor, paths
from backend import i18n as doctor_locale
from backend.collectors import load_catalog
from backend.collectors.run import browser
from backend.core import paired_browsers
from backend.core.store import DB_NAME
from backend.delivery import settings as delivery
from tests.helpers import free_port, serve
from tests.serve import PAIRING_CODE, ServeProcess
from tests.test_delivery_support import SMTP_PASSWORD, SMTP_USER, start_smtp, trust_test_cert

__all__ = ["trust_test_cert"]
CHROME = os.environ.get("CHROME_BIN", "/usr/bin/chromium")
DRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
RECIPES = Path(__file__).resolve().parent / "portals" / "recipes"
BAD_RECIPE = """providers:
  - id: typo
    name: Typo
    homepage: https://typo.example
    category: energie
    terms: {version: "1", text: "Conditions."}
    credentials: [{name: login, label_fr: Identifiant, label_en: Login}]
    steps:
      - open: "https://typo.example/login"
      - clik: "#go"
"""


def script(folder: Path, name: str, output: str) -> str:
    path = folder / name
    path.write_text(f"#!/bin/sh\nprintf '%s\\n' '{output}'\n")
    path.chmod(0o755)
    return str(path)


# ---------------------------------------------------------------- browser and driver

def test_browser_and_driver_of_the_same_version_pass():
    result = doctor.check_browser(config.Settings(chrome_binary=CHROME, chromedriver=DRIVER))
    assert result.status == doctor.OK, result
    versions = re.findall(r"(\d+)\.\d+\.\d+\.\d+", result.summary)
    assert len(versions) == 2 and versions[0] == versions[1]


def test_missing_chromedriver_fails_with_the_path_and_a_fix(tmp_path):
    missing = tmp_path / "nowhere" / "chromedriver"
    result = doctor.check_browser(config.Settings(chrome_binary=CHROME, chromedriver=str(missing)))
    assert (result.status, result.summary) == (doctor.FAIL, f"chromedriver not found at {missing}")
    assert "chromium-driver" in result.fix and "config.json" in result.fix


def test_missing_browser_fails(tmp_path):
    result = doctor.check_browser(config.Settings(chrome_binary=str(tmp_path / "chrome"), chromedriver=DRIVER))
    assert result.status == doctor.FAIL and result.summary.startswith("Chromium/Chrome not found")


def test_driver_of_another_major_version_fails(tmp_path):
    driver = script(tmp_path, "chromedriver", "ChromeDriver 120.0.6099.109 (3419140ab665596f21b385ce136419fde0924272)")
    result = doctor.check_browser(config.Settings(chrome_binary=CHROME, chromedriver=driver))
    assert result.status == doctor.FAIL and result.summary.startswith("versions differ")
    assert "chromedriver 120.0.6099.109" in result.summary
    browser_major = re.search(r"browser (\d+)\.", result.summary).group(1)
    assert f"major version {browser_major}" in result.fix


def test_driver_that_prints_no_version_fails(tmp_path):
    driver = script(tmp_path, "chromedriver", "segmentation fault")
    result = doctor.check_browser(config.Settings(chrome_binary=CHROME, chromedriver=driver))
    assert result.status == doctor.FAIL and "does not report a version (segmentation fault)" in result.summary


def test_driver_that_cannot_run_fails_with_the_reason(tmp_path):
    driver = tmp_path / "chromedriver"
    driver.write_text("not a program")  # present, but not executable
    result = doctor.check_browser(config.Settings(chrome_binary=CHROME, chromedriver=str(driver)))
    assert result.status == doctor.FAIL and "cannot run it: [Errno 13] Permission denied" in result.summary


@pytest.mark.parametrize("ready, status", [(True, "OK"), (False, "FAIL")])
def test_remote_webdriver_status_is_asked(ready, status):
    grid = Flask("grid")
    grid.get("/wd/hub/status")(lambda: {"value": {"ready": ready, "message": "Selenium Grid ready" if ready
                                                  else "no free slot"}})
    with serve(grid) as url:
        result = doctor.check_browser(config.Settings(remote_webdriver_url=url + "/wd/hub"))
    assert result.status == status
    assert ("Selenium Grid ready" if ready else "is not ready: no free slot") in result.summary


def test_remote_webdriver_down_fails_without_printing_its_password():
    url = f"http://ops:s3cr%40t-pw@127.0.0.1:{free_port()}"
    result = doctor.check_browser(config.Settings(remote_webdriver_url=url))
    assert result.status == doctor.FAIL and "cannot be reached" in result.summary
    assert "remote_webdriver_url" in result.fix
    shown = " ".join([result.summary, result.summary.fr, result.fix, result.fix.fr])
    assert "s3cr" not in shown and "ops:" not in shown and f"http://127.0.0.1:{url.rsplit(':', 1)[1]}" in shown


def test_a_grid_refusing_the_credentials_is_named():
    grid = Flask("grid")
    grid.get("/status")(lambda: ("Unauthorized", 401, {"WWW-Authenticate": 'Basic realm="selenium-server"'}))
    with serve(grid) as url:
        result = doctor.check_browser(config.Settings(remote_webdriver_url=url.replace("//", "//ops:wrong@")))
    assert result.status == doctor.FAIL and "refused the credentials (HTTP 401)" in result.summary
    assert "user and password" in result.fix and "wrong" not in result.summary + result.fix


def test_chrome_on_windows_is_never_run_its_version_comes_from_its_folder(tmp_path):
    application = tmp_path / "Google" / "Chrome" / "Application"
    for folder in ("119.0.6045.200", "120.0.6099.109", "SetupMetrics"):
        (application / folder).mkdir(parents=True)
    chrome = application / "chrome.exe"
    chrome.write_bytes(b"MZ")  # not runnable here, and must not be run on Windows either
    driver = script(tmp_path, "chromedriver", "ChromeDriver 120.0.6099.71 (0123456789abcdef)")
    ran: list[list[str]] = []

    def run(argv):
        ran.append(list(argv))
        return doctor._run(argv)
    assert browser.browser_version(str(chrome), "win32", run) == "120.0.6099.109" and ran == []
    result = doctor.check_browser(config.Settings(chrome_binary=str(chrome), chromedriver=driver), run=run,
                                  platform="win32")
    assert result.status == doctor.OK and "browser 120.0.6099.109" in result.summary
    assert ran == [[driver, "--version"]]


# ---------------------------------------------------------------- keyring and pairing

class MemoryKeyring(KeyringBackend):
    """Every KeyringBackend subclass joins keyring's automatic choice unless it is not viable:
    a priority that raises keeps these test backends out of the real keyring chain."""

    @properties.classproperty
    def priority(cls):
        raise RuntimeError("test backend: only used through keyring.set_keyring()")

    def __init__(self):
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        self.items.pop((service, username), None)


class PlaintextKeyring(MemoryKeyring):
    """Shaped like keyrings.alt's file backend: secrets written as they are."""


class LockedKeyring(MemoryKeyring):
    def get_password(self, service, username):
        raise KeyringLocked("Failed to unlock the collection!")

    set_password = delete_password = get_password


@pytest.fixture
def use_backend():
    original = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(original)


@pytest.mark.parametrize("backend, words", [
    (fail.Keyring(), "no keyring backend is available"),
    (PlaintextKeyring(), "PlaintextKeyring stores secrets in a file"),
    (LockedKeyring(), "cannot be used: Failed to unlock"),
])
def test_unusable_keyrings_fail(use_backend, backend, words):
    use_backend(backend)
    result = doctor.check_keyring()
    assert result.status == doctor.FAIL and words in result.summary, result.summary
    assert "gnome-keyring" in result.fix


def test_a_working_keyring_passes_and_keeps_no_probe_entry(use_backend):
    backend = MemoryKeyring()
    use_backend(backend)
    result = doctor.check_keyring()
    assert result.status == doctor.OK and "MemoryKeyring" in result.summary
    assert backend.items == {}


@pytest.mark.keyring
def test_the_real_secret_service_keyring_passes():
    result = doctor.check_keyring()
    assert result.status == doctor.OK and "SecretService" in result.summary, result


def test_pairing_is_reported_from_the_tokens_in_the_keyring(use_backend, home):
    use_backend(MemoryKeyring())
    result = doctor.check_pairing()
    assert result.status == doctor.WARN and "`invoice-collector pair`" in result.fix
    paired_browsers.add("a-token")
    assert doctor.check_pairing().status == doctor.OK
    paired_browsers.add("another-token")
    assert "2 browsers paired" in doctor.check_pairing().summary


def test_pairing_check_without_keyring_points_at_the_keyring(use_backend):
    use_backend(fail.Keyring())
    result = doctor.check_pairing()
    assert result.status == doctor.WARN and "keyring" in result.fix


# ---------------------------------------------------------------- server

def test_server_down_is_a_warning_with_the_command_to_start_it(home):
    result = doctor.check_server(free_port())
    assert result.status == doctor.WARN and "nothing listens" in result.summary
    assert "invoice-collector serve" in result.fix and "invoice-collector autostart enable" in result.fix
    assert result.details == []
    (paths.log_dir() / "server-output.log").write_text("invoice-collector: cannot listen on 127.0.0.1:47311\n")
    assert doctor.check_server(free_port()).details == [f"its log: {paths.log_dir() / 'server-output.log'}"]


def test_another_program_on_the_port_is_named():
    app = Flask("squatter")
    app.get("/api/health")(lambda: {"status": "ok"})
    with serve(app) as url:
        port = int(url.rsplit(":", 1)[1])
        result = doctor.check_server(port)
    assert result.status == doctor.WARN and f"another program answers on port {port}" in result.summary
    assert "port" in result.fix and "config.json" in result.fix


@pytest.fixture
def real_server(home):
    """`invoice-collector serve` in the test home, on a free port."""
    server = ServeProcess(home)
    config.save(config.Settings(port=server.port))
    server.start()
    try:
        yield server.port
    finally:
        server.stop()


@pytest.mark.keyring
def test_real_server_running_and_extension_paired(real_server):
    result = doctor.check_server(real_server)
    assert result.status == doctor.OK and f"http://127.0.0.1:{real_server}/api/health" in result.summary
    pair = subprocess.run([sys.executable, "-m", "backend", "pair"], capture_output=True, text=True, timeout=60)
    code = re.search(PAIRING_CODE, pair.stdout).group(1)
    try:
        import requests
        answer = requests.post(f"http://127.0.0.1:{real_server}/api/pair", json={"code": code}, timeout=10)
        assert answer.status_code == 200, answer.text
        report = json.loads(subprocess.run([sys.executable, "-m", "backend", "doctor", "--json"],
                                           capture_output=True, text=True, timeout=120).stdout)
        checks = {c["name"]: c for c in report["checks"]}
        assert checks["server"]["status"] == "OK" and checks["pairing"]["status"] == "OK"
    finally:
        subprocess.run([sys.executable, "-m", "backend", "pair", "--revoke"], capture_output=True, timeout=60)


# ---------------------------------------------------------------- Libeo delivery

def libeo(port: int, **changes) -> delivery.LibeoSettings:
    values = {"enabled": True, "inbox": "acme-sarl@box.libeo.io", "sender": "jeanne@acme.fr", "smtp_host": "localhost",
                  "smtp_port": port, "smtp_security": "starttls", "smtp_username": SMTP_USER} | changes
    return delivery.LibeoSettings(**values)


def test_libeo_not_configured_is_a_warning_and_creates_nothing(home):
    result = doctor.check_delivery()
    assert result.status == doctor.WARN and "not configured" in result.summary
    assert "@box.libeo.io" in result.fix
    assert not (paths.data_dir() / DB_NAME).exists()


def test_libeo_half_configured_fails_naming_the_missing_fields():
    result = doctor.check_delivery(delivery.LibeoSettings(inbox="acme-sarl@box.libeo.io"), lambda: None)
    assert result.status == doctor.FAIL and result.summary.endswith("missing: sender, smtp_host")


def test_libeo_smtp_login_checked_against_a_real_server(tmp_path, trust_test_cert):
    with start_smtp(tmp_path / "inbox") as server:
        good = doctor.check_delivery(libeo(server.port), lambda: SMTP_PASSWORD)
        wrong = doctor.check_delivery(libeo(server.port), lambda: "not-the-password")
        off = doctor.check_delivery(libeo(server.port, enabled=False), lambda: SMTP_PASSWORD)
    assert good.status == doctor.OK and "acme-sarl@box.libeo.io" in good.summary and "login works" in good.summary
    assert wrong.status == doctor.FAIL and "refused the login" in wrong.summary and "smtp_password" in wrong.fix
    assert off.status == doctor.WARN and "switched off" in off.summary
    assert server.handler.parsed() == []  # a login check sends nothing


def test_libeo_smtp_server_down_fails(tmp_path):
    result = doctor.check_delivery(libeo(free_port(), smtp_security="plain"), lambda: SMTP_PASSWORD)
    assert result.status == doctor.FAIL and "refused the connection" in result.summary


@pytest.mark.keyring
def test_libeo_settings_read_from_the_store_and_the_real_keyring(home, tmp_path, trust_test_cert):
    from backend.core.store import Store
    with start_smtp(tmp_path / "inbox") as server:
        delivery.save_libeo(Store(), libeo(server.port))
        delivery.set_password(SMTP_PASSWORD)
        try:
            result = doctor.check_delivery()
        finally:
            delivery.set_password(None)
    assert result.status == doctor.OK, result


# ---------------------------------------------------------------- recipes and disk

def test_recipes_valid_broken_and_all_broken(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_RECIPE)
    good = RECIPES / "classic.yaml"
    assert doctor.check_recipes(lambda: load_catalog(files=[good])).status == doctor.OK
    mixed = doctor.check_recipes(lambda: load_catalog(files=[good, bad]))
    assert mixed.status == doctor.WARN and mixed.details
    assert re.match(rf"{re.escape(str(bad))}:10:9: unknown step 'clik'", mixed.details[0]), mixed.details
    broken = doctor.check_recipes(lambda: load_catalog(files=[bad]))
    assert broken.status == doctor.FAIL and "no usable provider recipe" in broken.summary


def test_bad_recipe_in_the_user_folder_is_reported_with_its_position(home):
    bad = paths.user_recipes_dir() / "mine.yaml"
    bad.write_text(BAD_RECIPE)
    result = doctor.check_recipes()
    assert result.status == doctor.WARN, result  # the bundled providers still load
    assert any(d.startswith(f"{bad}:10:9: unknown step 'clik'") for d in result.details), result.details
    assert str(paths.user_recipes_dir()) in result.fix


def test_a_local_file_replacing_a_bundled_provider_is_named_with_its_origins(home):
    override = paths.user_recipes_dir() / "orange.yaml"
    text = (RECIPES / "classic.yaml").read_text(encoding="utf-8")
    override.write_text(text.replace("id: classic", "id: orange", 1), encoding="utf-8")
    result = doctor.check_recipes()
    assert result.status == doctor.WARN and "1 bundled one(s) replaced by a local file" in result.summary
    (detail,) = result.details
    assert detail.startswith(f"{override} replaces the bundled provider 'orange' (its credentials may go to ")


Usage = namedtuple("Usage", "total used free")


@pytest.mark.parametrize("free_mb, status", [(10, "FAIL"), (49, "FAIL"), (200, "WARN"), (499, "WARN"),
                                             (501, "OK"), (80_000, "OK")])
def test_disk_space_thresholds(tmp_path, free_mb, status):
    result = doctor.check_disk(tmp_path, usage=lambda path: Usage(10 ** 12, 0, free_mb * 1024 ** 2))
    assert result.status == status and f"{free_mb:,} MB free" in result.summary
    assert (result.fix != "") == (status != "OK")


def test_the_real_disk_is_measured(tmp_path):
    assert doctor.check_disk(tmp_path).status in (doctor.OK, doctor.WARN, doctor.FAIL)
    assert "MB free for PDFs in" in doctor.check_disk(tmp_path).summary


# ---------------------------------------------------------------- the command

def test_a_check_that_crashes_is_a_failure_not_a_crash():
    def check_boom():
        raise OSError("disk on fire")
    results = doctor.run_checks([check_boom, lambda: doctor.Check("disk", doctor.OK, "fine")])
    assert [(r.name, r.status) for r in results] == [("boom", "FAIL"), ("disk", "OK")]
    assert "OSError: disk on fire" in results[0].summary


@pytest.mark.keyring
def test_doctor_in_a_fresh_home(home):
    config.save(config.Settings(port=free_port()))
    french_locale = os.environ | {"LANGUAGE": "fr_FR:fr"}  # --lang wins over the locale
    text = subprocess.run([sys.executable, "-m", "backend", "doctor", "--lang", "en"], capture_output=True,
                          text=True, timeout=120, env=french_locale)
    report = subprocess.run([sys.executable, "-m", "backend", "doctor", "--json"], capture_output=True, text=True,
                            timeout=120, env=french_locale)
    answer = json.loads(report.stdout)
    checks = {c["name"]: c["status"] for c in answer["checks"]}
    libeo_check = next(c for c in answer["checks"] if c["name"] == "libeo")
    assert libeo_check["summary"].startswith("Libeo delivery is not configured")  # JSON: English, and its twin
    assert libeo_check["summary_fr"].startswith("l'envoi vers Libeo n'est pas réglé")
    assert "Réglages > Envoi vers Libeo" in libeo_check["fix_fr"]
    assert checks == {"browser": "OK", "keyring": "OK", "server": "WARN", "pairing": "WARN", "libeo": "WARN",
                      "recipes": "OK", "disk": "OK"}, report.stdout
    assert text.returncode == report.returncode == 0, text.stdout + text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split()[:2] == ["OK", "browser"]
    assert "fix: run `invoice-collector serve`, or `invoice-collector autostart enable`" in text.stdout
    assert lines[-1] == "Nothing blocks collection."


def test_doctor_exits_non_zero_when_collection_is_blocked(home, tmp_path):
    config.save(config.Settings(port=free_port(), chromedriver=str(tmp_path / "missing-driver")))
    french = {k: v for k, v in os.environ.items() if k not in doctor_locale.LOCALE_VARIABLES} | {"LC_ALL": "fr_FR.UTF-8"}
    result = subprocess.run([sys.executable, "-m", "backend", "doctor"], capture_output=True, text=True, timeout=120,
                            env=french)
    assert result.returncode == 1
    assert re.search(r"^FAIL  browser   chromedriver introuvable : .*missing-driver$", result.stdout, re.M)
    assert "correctif : installez-le : sudo apt install chromium-driver, ou réglez" in result.stdout
    assert result.stdout.splitlines()[-1] == "1 problème(s) bloquent la collecte ou l'envoi : browser"


def test_macos_without_a_configured_driver_leaves_it_to_selenium_manager(tmp_path, monkeypatch):
    """On macOS/Windows Chrome is already installed and Selenium Manager brings its driver."""
    from backend.collectors.model import BrowserConfig
    monkeypatch.delenv("CHROMEDRIVER", raising=False)
    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    assert browser.chromedriver_path(BrowserConfig(), "darwin") is None
    assert browser.chromedriver_path(BrowserConfig(), "linux") == "/usr/bin/chromedriver"
    assert browser.chromedriver_path(BrowserConfig(chromedriver="/opt/cd"), "darwin") == "/opt/cd"


# ---------------------------------------------------------------- languages

@pytest.mark.parametrize("environ, lang", [
    ({}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "fr"),
    ({"LANG": "fr_CA.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"),  # LC_MESSAGES before LANG
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "en_US.UTF-8", "LC_ALL": "fr_BE.UTF-8"}, "fr"),  # LC_ALL before both
    ({"LC_ALL": "C.UTF-8", "LANGUAGE": "fr:en"}, "fr"),  # LANGUAGE first, a list as gettext reads it
    ({"LANGUAGE": "", "LANG": "fr_FR"}, "fr"),  # empty is unset
    ({"LANG": "C"}, "en"),
])
def test_the_cli_language_follows_the_first_locale_variable_set(environ, lang):
    assert doctor_locale.cli_language(environ) == lang


def test_a_report_reads_in_french_or_in_english(home):
    usage = lambda path: Usage(10 ** 12, 0, 200 * 1024 ** 2)  # noqa: E731
    results = [doctor.check_server(free_port()), doctor.check_delivery(), doctor.check_disk(home, usage=usage),
               doctor.check_recipes(lambda: load_catalog(files=[RECIPES / "classic.yaml"]))]
    english, french = doctor.render(results, "en"), doctor.render(results, "fr")
    assert "WARN  server    not answering on http://127.0.0.1:" in english and ": nothing listens on that port" in english
    assert "WARN  server    ne répond pas sur http://127.0.0.1:" in french and " : rien n'écoute sur ce port" in french
    assert "correctif : lancez `invoice-collector serve`, ou `invoice-collector autostart enable`" in french
    assert "fix: set it in the side panel: Settings > Delivery to Libeo" in english
    assert "correctif : réglez-le dans le panneau : Réglages > Envoi vers Libeo (votre boîte <société>@box.libeo.io" \
           in french
    assert f"WARN  disk      200 Mo libres pour les PDF dans {home}" in french
    assert "OK    recipes   3 fournisseurs valides" in french and "OK    recipes   3 providers valid" in english
    assert english.splitlines()[-1] == "Nothing blocks collection."
    assert french.splitlines()[-1] == "Rien ne bloque la collecte."
    assert not re.search(r"\b(the|not|free|set)\b", french), french  # no English left in the French report


def test_a_failed_smtp_login_is_reported_in_both_languages(tmp_path, trust_test_cert):
    with start_smtp(tmp_path / "inbox") as server:
        wrong = doctor.check_delivery(libeo(server.port), lambda: "not-the-password")
    assert wrong.summary.startswith(f"SMTP login to localhost:{server.port} (starttls) failed: the SMTP server "
                                    "refused the login: 535")
    assert wrong.summary.fr.startswith(f"la connexion SMTP à localhost:{server.port} (starttls) a échoué : le "
                                       "serveur SMTP a refusé l'identification : 535")
    assert wrong.fix.fr == "réglez-le dans le panneau : Réglages > Envoi vers Libeo (vérifiez `smtp_password`)"


def test_json_keeps_english_and_adds_the_french_twins():
    results = [doctor.check_disk(Path("/tmp"), usage=lambda path: Usage(10 ** 12, 0, 10 * 1024 ** 2)),
               doctor.Check("recipes", doctor.WARN, "plain text", details=["a.yaml:1:1: unknown step"])]
    report = json.loads(json.dumps(doctor.as_json(results)))
    disk, recipes = report["checks"]
    assert report["ok"] is False
    assert (disk["summary"], disk["summary_fr"]) == ("10 MB free for PDFs in /tmp", "10 Mo libres pour les PDF dans /tmp")
    assert disk["fix"].startswith("free some space") and disk["fix_fr"].startswith("libérez de la place")
    assert (recipes["summary_fr"], recipes["fix_fr"], recipes["details_fr"]) == \
           ("plain text", "", ["a.yaml:1:1: unknown step"])  # text without a twin is itself in French
