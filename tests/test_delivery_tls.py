"""TLS to the user's SMTP server: a private CA pasted in the settings (API, worker, doctor), and a
security that does not match the port, which fails in seconds with the mode to choose."""

from __future__ import annotations

import time

import pytest

from backend import doctor
from backend.core.store import Store
from backend.delivery import settings
from backend.delivery.smtp import SmtpFailure, check_login
from backend.delivery.worker import DeliveryWorker
from tests.helpers import make_pdf
from tests.test_delivery_api import api, app
from tests.test_delivery_support import (
    COMPANY_CA,
    COMPANY_CERT,
    COMPANY_KEY,
    KEY,
    SMTP_PASSWORD,
    SMTP_USER,
    add_account,
    add_invoice,
    delivery,
    libeo_to,
    server_tls_context,
    start_smtp,
    trust_test_cert,
)

pytestmark = pytest.mark.keyring
__all__ = ["api", "app", "trust_test_cert"]
FAST_ENOUGH = 8.0  # seconds: the greeting wait and one probe, far from the 30 s timeout


def company_smtp(directory):
    """A STARTTLS server whose certificate the company's own CA signed (not a public one)."""
    return start_smtp(directory, context=server_tls_context(COMPANY_CERT, COMPANY_KEY))


def timed_login(security: str, port: int) -> tuple[SmtpFailure, float]:
    cfg = settings.LibeoSettings(smtp_host="localhost", smtp_port=port, smtp_security=security,
                                 smtp_username=SMTP_USER)
    started = time.monotonic()
    with pytest.raises(SmtpFailure) as failure:
        check_login(cfg, SMTP_PASSWORD)
    return failure.value, time.monotonic() - started


# ---------------------------------------------------------------- a security the port does not speak

def test_starttls_against_an_implicit_tls_port_fails_fast_naming_ssl_tls(tmp_path, trust_test_cert):
    with start_smtp(tmp_path / "inbox", tls="tls") as server:
        failure, took = timed_login("starttls", server.port)
    assert took < FAST_ENOUGH, took
    assert (failure.field, failure.permanent) == ("smtp_security", True)
    assert failure.text == f"port {server.port} expects SSL/TLS: choose “SSL/TLS” as the security"
    assert failure.text.fr == f"le port {server.port} attend SSL/TLS : choisissez « SSL/TLS »"


def test_ssl_tls_against_a_starttls_port_fails_fast_naming_starttls(tmp_path, trust_test_cert):
    with start_smtp(tmp_path / "inbox", tls="starttls") as server:
        failure, took = timed_login("tls", server.port)
    assert took < FAST_ENOUGH, took
    assert (failure.field, failure.permanent) == ("smtp_security", True)
    assert failure.text.fr == f"le port {server.port} attend STARTTLS : choisissez « STARTTLS »"
    assert "expects STARTTLS" in failure.text


def test_the_wrong_mode_reaches_the_panel_in_both_languages(api, tmp_path, trust_test_cert):
    with start_smtp(tmp_path / "inbox", tls="tls") as server:
        status, body = api("POST", "/api/settings/libeo/test", libeo_to(server))
    assert status == 400
    assert body["error"]["fields"] == {"smtp_security": f"port {server.port} expects SSL/TLS: choose “SSL/TLS” "
                                                        "as the security"}
    assert body["error"]["message_fr"] == f"le port {server.port} attend SSL/TLS : choisissez « SSL/TLS »"


# ---------------------------------------------------------------- the company's own CA

def test_a_private_ca_is_refused_without_the_setting_and_trusted_with_it(api, tmp_path):
    with company_smtp(tmp_path / "inbox") as server:
        status, untrusted = api("POST", "/api/settings/libeo/test", libeo_to(server))
        trusted = api("POST", "/api/settings/libeo/test", libeo_to(server) | {"smtp_ca_cert": COMPANY_CA})
    assert status == 400, untrusted
    error = untrusted["error"]
    assert "the SMTP server's certificate is not trusted" in error["fields"]["smtp_ca_cert"]
    assert "Advanced options (Your SMTP server's CA certificate)" in error["message_en"]
    assert "Options avancées (Certificat d'autorité (CA) de votre serveur SMTP)" in error["message_fr"]
    assert trusted == (200, {"ok": True})
    status, body = api("GET", "/api/settings/libeo")  # the test saved nothing; the panel saves after it
    assert body["libeo"]["smtp_ca_cert"] == ""


def test_the_worker_and_doctor_use_the_saved_ca(api, app, tmp_path):
    pdf = make_pdf("facture interne")
    with company_smtp(tmp_path / "inbox") as server:
        status, saved = api("PUT", "/api/settings/libeo", libeo_to(server) | {"smtp_ca_cert": COMPANY_CA + "\n"})
        assert status == 200 and saved["libeo"]["smtp_ca_cert"] == COMPANY_CA.strip()
        assert "smtp_password" not in saved["libeo"] and SMTP_PASSWORD not in str(saved)
        store = Store()
        invoice = add_invoice(store, add_account(store), "int-1", pdf, number="INT-1")
        assert DeliveryWorker(store).run_once() == 1
        assert doctor.check_delivery().status == doctor.OK
    assert delivery(store, invoice)["status"] == "sent"
    [message] = server.handler.parsed()
    assert message["To"] == "acme@box.libeo.io"


NOT_PEM = ("not a PEM certificate", "ce n'est pas un certificat PEM")
WITH_KEY = ("contains a private key", "contient une clé privée")


@pytest.mark.parametrize("pem, words", [
    ("not a certificate", NOT_PEM),
    ("-----BEGIN CERTIFICATE-----\nécrit à la main\n-----END CERTIFICATE-----", NOT_PEM),  # not ASCII
    (COMPANY_CA[:120] + COMPANY_CA[-40:], NOT_PEM),  # cut when copied
    (COMPANY_CA + KEY.read_text(), WITH_KEY),
    (COMPANY_CERT.read_text() + COMPANY_KEY.read_text(), WITH_KEY),
])
def test_what_is_not_a_ca_certificate_is_refused_when_saved(api, pem, words):
    status, body = api("PUT", "/api/settings/libeo", {"smtp_ca_cert": pem})
    assert status == 400
    fields = body["error"]["fields"]
    english, french = words
    assert list(fields) == ["smtp_ca_cert"] and fields["smtp_ca_cert"].startswith(english)
    assert french in body["error"]["message_fr"] and SMTP_PASSWORD not in str(body)
    assert api("GET", "/api/settings/libeo")[1]["libeo"]["smtp_ca_cert"] == ""
