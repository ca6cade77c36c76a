"""Several browsers paired at once, each listed and revocable (the API and `invoice-collector pair`)."""

from __future__ import annotations

import datetime as dt
import json
import re

import keyring
import pytest

from backend.cli import main
from backend.config import Settings
from backend.core import paired_browsers
from backend.core.keyring_store import service
from backend.server import pairing
from backend.server.app import create_app
from tests.helpers import assert_api_error
from tests.server.conftest import BASE, PORT, Api

CHROME_LINUX = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
                "Safari/537.36")
EDGE_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0")


def pair_as(api: Api, user_agent: str, **body) -> Api:
    """Another browser paired through the real flow (`invoice-collector pair`'s window, POST /api/pair)."""
    code, _ = pairing.open_window()
    response = api.client.post("/api/pair", json={"code": code, **body}, base_url=BASE,
                               headers={"User-Agent": user_agent})
    assert response.status_code == 200, response.get_json()
    return Api(api.app, response.get_json()["token"])


def listed(api: Api, lang: str = "en") -> list[dict]:
    response = api.get("/api/pairings", headers={"Accept-Language": lang})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["pairings"]


def test_two_browsers_stay_paired_and_each_can_be_revoked(make_api):
    first = make_api()  # paired by the fixture, as the test client (no browser in its User-Agent)
    chrome, edge = pair_as(first, CHROME_LINUX), pair_as(first, EDGE_WINDOWS)
    for browser in (first, chrome, edge):
        assert browser.get("/api/accounts").status_code == 200
    pairings = listed(chrome)
    assert [p["name"] for p in pairings] == ["unknown browser", "Chrome on Linux", "Edge on Windows"]
    assert [p["name"] for p in listed(edge, "fr")][1:] == ["Chrome sur Linux", "Edge sur Windows"]
    assert [p["current"] for p in pairings] == [False, True, False]
    assert all(p["paired_at"] and p["last_used_at"] for p in pairings)  # each has made a request
    assert set(pairings[0]) == {"id", "name", "paired_at", "last_used_at", "current"}
    answer = chrome.get("/api/pairings").get_data(as_text=True)
    assert not any(b.token in answer or paired_browsers.token_digest(b.token) in answer for b in (first, chrome, edge))

    assert chrome.delete(f"/api/pairings/{pairings[2]['id']}").status_code == 204
    assert_api_error(edge.get("/api/accounts"), 401, "UNAUTHORIZED")
    assert chrome.get("/api/accounts").status_code == 200 and first.get("/api/accounts").status_code == 200
    assert [p["id"] for p in listed(first)] == [pairings[0]["id"], pairings[1]["id"]]
    # Revoking its own pairing is allowed: the next request asks to pair again.
    assert chrome.delete(f"/api/pairings/{pairings[1]['id']}").status_code == 204
    assert_api_error(chrome.get("/api/pairings"), 401, "UNAUTHORIZED")
    assert first.get("/api/accounts").status_code == 200


def test_revoking_an_unknown_pairing_is_a_404_in_both_languages(api):
    error = assert_api_error(api.delete("/api/pairings/nope1234", headers={"Accept-Language": "fr"}), 404, "NOT_FOUND")
    assert error["message"] == "navigateur associé introuvable" and error["message_en"] == "paired browser not found"
    assert len(listed(api)) == 1


def test_a_client_may_name_itself_and_a_bad_name_is_refused(make_api):
    api = make_api()
    named = pair_as(api, CHROME_LINUX, name="  Poste du bureau ")
    assert listed(named)[1]["name"] == "Poste du bureau"
    code, _ = pairing.open_window()
    for name in ("", "x" * 61, "tab\there", 42):
        response = api.client.post("/api/pair", json={"code": code, "name": name}, base_url=BASE)
        assert_api_error(response, 400, "BAD_REQUEST", field="name")
    assert json.loads(pairing.pairing_file().read_text())["attempts"] == 0  # refused before any attempt


def test_the_old_single_token_is_migrated_and_keeps_working(make_api):
    api = make_api()
    paired_browsers.revoke_all()
    old_token = "token-paired-by-an-older-version"
    keyring.set_password(service(), paired_browsers.LEGACY_TOKEN_USER, paired_browsers.token_digest(old_token))
    old = Api(api.app, old_token)
    assert old.get("/api/accounts").status_code == 200
    assert [(p["name"], p["paired_at"], p["current"]) for p in listed(old)] == [
        ("browser paired before this version", None, True)]
    assert listed(old, "fr")[0]["name"] == "navigateur associé avant cette version"
    assert keyring.get_password(service(), paired_browsers.LEGACY_TOKEN_USER) is None
    assert old_token not in keyring.get_password(service(), paired_browsers.PAIRINGS_USER)
    new = pair_as(old, CHROME_LINUX)  # pairing one more keeps the migrated one
    assert old.get("/api/accounts").status_code == 200 and new.get("/api/accounts").status_code == 200


def test_last_use_is_written_at_most_once_a_minute(make_api, monkeypatch):
    api = make_api()
    [only] = listed(api)
    first_use = paired_browsers.last_uses()[only["id"]]
    writes = []
    monkeypatch.setattr(paired_browsers, "note_use", lambda pairing_id: writes.append(pairing_id))
    for _ in range(3):
        assert api.get("/api/accounts").status_code == 200
    assert writes == [] and paired_browsers.last_uses()[only["id"]] == first_use
    assert api.token not in paired_browsers._uses_file().read_text()


def test_cli_lists_and_revokes(make_api, capsys):
    api = make_api()
    chrome = pair_as(api, CHROME_LINUX)
    assert chrome.get("/api/accounts").status_code == 200 and api.get("/api/accounts").status_code == 200
    capsys.readouterr()
    assert main(["pair", "--lang", "en", "--list"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["ID", "Name", "Paired", "Last", "used"]
    ids = [p["id"] for p in listed(api)]
    assert [line.split()[0] for line in table[1:]] == ids
    assert "Chrome on Linux" in table[2]
    assert main(["pair", "--lang", "fr", "--list"]) == 0
    assert "Chrome sur Linux" in capsys.readouterr().out.splitlines()[2]
    assert all(re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d  +\d{4}-\d\d-\d\d \d\d:\d\d$", line) for line in table[1:])
    assert api.token not in "\n".join(table)

    assert main(["pair", "--lang", "en", "--revoke", "nope"]) == 1
    assert "pair --list" in capsys.readouterr().err
    assert main(["pair", "--lang", "en", "--revoke", ids[1]]) == 0
    assert "Chrome on Linux must pair again" in capsys.readouterr().out
    assert chrome.get("/api/accounts").status_code == 401 and api.get("/api/accounts").status_code == 200
    assert main(["pair", "--lang", "en", "--revoke"]) == 0  # every one, as before several browsers
    assert "1 pairing(s) revoked" in capsys.readouterr().out
    assert api.get("/api/accounts").status_code == 401
    assert main(["pair", "--lang", "en", "--list"]) == 0
    assert "No browser is paired" in capsys.readouterr().out


def test_revoking_one_browser_forgets_its_last_use_and_keeps_the_others(make_api):
    first = make_api()
    chrome = pair_as(first, CHROME_LINUX)
    assert chrome.get("/api/accounts").status_code == 200
    kept, revoked = (p["id"] for p in listed(first))
    assert set(paired_browsers.last_uses()) == {kept, revoked}
    assert first.delete(f"/api/pairings/{revoked}").status_code == 204
    assert set(paired_browsers.last_uses()) == {kept}
    assert listed(first)[0]["last_used_at"]


@pytest.mark.parametrize("damaged", ["[1, 2]", '"2026-12-08"', "{not json", ""])
def test_a_damaged_last_use_file_is_replaced_and_stops_nothing(make_api, damaged):
    api = make_api()
    paired_browsers._uses_file().write_text(damaged, encoding="utf-8")
    assert paired_browsers.last_uses() == {}
    [only] = listed(api)
    paired_browsers.note_use(only["id"])
    assert set(paired_browsers.last_uses()) == {only["id"]}
    paired_browsers._uses_file().write_text(damaged, encoding="utf-8")
    paired_browsers.revoke(only["id"])  # forgetting its use reads the file too
    assert paired_browsers.listed() == []


def test_a_refused_code_says_why_on_the_code_field_too(make_api):
    api = make_api()
    code, _ = pairing.open_window()
    wrong = f"{(int(code.replace('-', '')) + 1) % 1_000_000:06d}"
    error = assert_api_error(api.client.post("/api/pair", json={"code": wrong}, base_url=BASE), 403, field="code")
    assert error["fields"]["code"] == error["message"] == "wrong pairing code (4 attempts left)"


def test_a_browser_is_paired_at_the_gates_time_under_its_own_name_and_the_window_closes(make_api):
    make_api()
    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)
    code, _ = pairing.open_window(now=now)
    token = pairing.PairingGate(clock=lambda: now).redeem(code.replace("-", " "), CHROME_LINUX, name="Bureau")
    [paired] = [p for p in paired_browsers.listed() if p.name == "Bureau"]
    assert (paired.paired_at, paired.browser, paired.system, paired.digest) == (
        "2026-12-01T09:00:00Z", "Chrome", "Linux", paired_browsers.token_digest(token))
    assert len(token) >= 43  # 32 random bytes
    assert not pairing.pairing_file().exists()


def test_the_old_single_token_works_at_the_first_start_after_the_upgrade(make_api):
    """An older version wrote no `token-changed` marker: the new server reads the pairings all the same."""
    make_api()
    paired_browsers.revoke_all()
    paired_browsers._marker().unlink()
    old_token = "token-paired-by-an-older-version"
    keyring.set_password(service(), paired_browsers.LEGACY_TOKEN_USER, paired_browsers.token_digest(old_token))
    upgraded = create_app(Settings(port=PORT))
    try:
        answer = upgraded.test_client().get("/api/accounts", base_url=BASE,
                                            headers={"Authorization": f"Bearer {old_token}"})
        assert answer.status_code == 200
    finally:
        upgraded.extensions["invoice_collector"].stop(5)


def test_requests_read_the_pairings_from_the_keyring_only_after_a_change(make_api, monkeypatch):
    """A keyring read costs tens of milliseconds: the door reads the list again only when pairing
    or revoking (in any process) replaced the marker file."""
    api = make_api()
    assert api.get("/api/accounts").status_code == 200
    reads = []
    stored = paired_browsers.listed
    monkeypatch.setattr(paired_browsers, "listed", lambda: reads.append(1) or stored())
    for _ in range(3):
        assert api.get("/api/accounts").status_code == 200
    assert reads == []
    chrome = pair_as(api, CHROME_LINUX)
    assert chrome.get("/api/accounts").status_code == 200 and api.get("/api/accounts").status_code == 200
    assert len(reads) == 1
