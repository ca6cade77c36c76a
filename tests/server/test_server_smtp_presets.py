"""« SMTP trouvé pour vous »: GET /api/smtp-presets through the real app; the bundled facts by
domain, a company domain recognised by its MX host, an unknown one left to the user."""

from __future__ import annotations

import struct

import pytest

from backend.delivery import mx, smtp_presets
from tests.helpers import assert_api_error


@pytest.fixture
def mx_records(monkeypatch):
    """The MX answers the resolver gives, per domain (no network in the tests)."""
    records: dict[str, list[str]] = {}
    asked: list[str] = []
    monkeypatch.setattr(mx, "hosts", lambda domain: asked.append(domain) or records.get(domain, []))
    return records, asked


def preset(api, address: str) -> dict | None:
    response = api.get("/api/smtp-presets", query_string={"address": address})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["preset"]


def test_known_domains_get_their_providers_settings(api, mx_records):
    orange = preset(api, "Jean.Dupont@Orange.fr")
    assert orange | {"source": None} == {
        "domain": "orange.fr", "provider": "Orange", "matched_by": "domain", "mx_host": None,
        "smtp_host": "smtp.orange.fr", "smtp_port": 465, "smtp_security": "tls",
        "smtp_username": "Jean.Dupont@Orange.fr", "app_password": {"needed": False}, "source": None}
    assert "ISPDB" in orange["source"]
    free = preset(api, "jean.dupont@free.fr")
    assert (free["smtp_host"], free["smtp_username"]) == ("smtp.free.fr", "jean.dupont")  # Free logs in by local part
    gmail = preset(api, "compta@gmail.com")
    assert (gmail["smtp_host"], gmail["smtp_port"], gmail["smtp_security"]) == ("smtp.gmail.com", 465, "tls")
    assert gmail["app_password"]["needed"] and gmail["app_password"]["url"].startswith("https://myaccount.google.com")
    assert gmail["app_password"]["note_fr"] and gmail["app_password"]["note_en"]
    icloud = preset(api, "moi@icloud.com")
    assert (icloud["smtp_host"], icloud["smtp_port"], icloud["smtp_security"]) == ("smtp.mail.me.com", 587, "starttls")
    assert mx_records[1] == []  # a known domain needs no DNS


def test_a_company_domain_is_recognised_by_its_mx_host(api, mx_records):
    records, asked = mx_records
    records["boulangerie-martin.fr"] = ["aspmx.l.google.com", "alt1.aspmx.l.google.com"]
    records["cabinet-durand.fr"] = ["cabinet-durand-fr.mail.protection.outlook.com"]
    records["plomberie.fr"] = ["mx1.mail.ovh.net"]
    workspace = preset(api, "compta@boulangerie-martin.fr")
    assert workspace["matched_by"] == "mx" and workspace["mx_host"] == "aspmx.l.google.com"
    assert workspace["provider"] == "Gmail / Google Workspace" and workspace["smtp_host"] == "smtp.gmail.com"
    assert workspace["smtp_username"] == "compta@boulangerie-martin.fr"
    m365 = preset(api, "facturation@cabinet-durand.fr")
    assert (m365["provider"], m365["smtp_host"], m365["smtp_security"]) == ("Microsoft 365", "smtp.office365.com",
                                                                         "starttls")
    assert preset(api, "contact@plomberie.fr")["smtp_host"] == "ssl0.ovh.net"
    assert asked == ["boulangerie-martin.fr", "cabinet-durand.fr", "plomberie.fr"]


def test_an_unknown_domain_is_left_to_the_user_and_a_non_address_is_refused(api, mx_records):
    mx_records[0]["inconnu.fr"] = ["mail.inconnu.fr"]
    assert preset(api, "jean@inconnu.fr") is None
    assert preset(api, "jean@sans-mx.fr") is None
    error = assert_api_error(api.get("/api/smtp-presets", query_string={"address": "jean"},
                                     headers={"Accept-Language": "fr"}), 400, "BAD_REQUEST", "address")
    assert "adresse e-mail" in error["message"]


def test_the_bundled_facts_are_complete():
    ids = set()
    for provider in smtp_presets.providers():
        assert provider["id"] not in ids
        ids.add(provider["id"])
        assert provider["security"] in ("tls", "starttls") and provider["port"] in (465, 587)
        assert provider["username"] in ("address", "local_part") and provider["source"]
        assert provider["domains"] or provider["mx"]
        if "app_password" in provider:
            assert provider["app_password"]["url"].startswith("https://")
    assert {"google", "outlook", "microsoft365", "orange", "free", "sfr", "laposte", "ovh", "ionos", "gandi",
            "infomaniak", "yahoo", "icloud"} <= ids


def _mx_answer(domain: str, hosts: list[tuple[int, str]]) -> bytes:
    def name(text: str) -> bytes:
        return b"".join(bytes([len(label)]) + label.encode() for label in text.split(".")) + b"\0"
    message = struct.pack("!HHHHHH", 1, 0x8180, 1, len(hosts), 0, 0) + name(domain) + struct.pack("!HH", 15, 1)
    for preference, host in hosts:
        # the owner name as a pointer to the question's (offset 12), as resolvers answer
        rdata = struct.pack("!H", preference) + name(host)
        message += b"\xc0\x0c" + struct.pack("!HHIH", 15, 1, 300, len(rdata)) + rdata
    return message


def test_mx_answers_are_read_most_preferred_first():
    answer = _mx_answer("example.fr", [(20, "ALT1.ASPMX.L.GOOGLE.COM"), (10, "aspmx.l.google.com")])
    assert mx.parse_mx(answer) == ["aspmx.l.google.com", "alt1.aspmx.l.google.com"]
    assert mx.hosts("localhost") == []  # no lookup for a dotless name
