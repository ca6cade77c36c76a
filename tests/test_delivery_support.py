"""Shared by the delivery tests (no tests here): a throwaway certificate, a real SMTP server on
loopback with AUTH + STARTTLS whose answers a test can script, and stored invoices."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import hashlib
import ipaddress
import ssl
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from backend.core.store import Store
from backend.demo.inbox import LocalSmtpServer, MaildirHandler
from tests.helpers import wait_for  # noqa: F401 — used by the delivery tests through this module

SMTP_USER = "compta@example.com"
SMTP_PASSWORD = "app-password-7c1e"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost / 127.0.0.1 (cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def make_private_ca_chain(folder: Path) -> tuple[str, Path, Path]:
    """A company's private CA and a localhost certificate it signed: (the CA's PEM, cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ACME SARL internal CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))
    cert_path, key_path = folder / "company-cert.pem", folder / "company-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return ca.public_bytes(serialization.Encoding.PEM).decode(), cert_path, key_path


_CERT_DIR = Path(tempfile.mkdtemp(prefix="ic-test-cert-"))
CERT, KEY = make_certificate(_CERT_DIR)
COMPANY_CA, COMPANY_CERT, COMPANY_KEY = make_private_ca_chain(_CERT_DIR)


def server_tls_context(cert: Path = CERT, key: Path = KEY) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


class ScriptedInbox(MaildirHandler):
    """Writes accepted messages to a folder. `replies` (SMTP answers) are used first, one per DATA,
    e.g. ["451 4.3.0 try later"]. Hooks run in a thread, so they may block without stalling the
    server: `on_data` before the message is looked at, `after_store` once it is written (accepted)
    but before the 250 goes back to the client."""

    def __init__(self, directory: Path):
        super().__init__(directory)
        self.replies: list[str] = []
        self.on_data: Callable[[], None] | None = None
        self.after_store: Callable[[], None] | None = None
        self.data_count = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.data_count += 1
        loop = asyncio.get_running_loop()
        if self.on_data:
            await loop.run_in_executor(None, self.on_data)
        if self.replies:
            return self.replies.pop(0)
        answer = await super().handle_DATA(server, session, envelope)
        if self.after_store:
            await loop.run_in_executor(None, self.after_store)
        return answer

    def parsed(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in self.messages()]


def start_smtp(directory: Path, tls: str = "starttls", port: int | None = None,
               context: ssl.SSLContext | None = None) -> LocalSmtpServer:
    """context: the server's certificate (default: the self-signed one trust_test_cert trusts)."""
    return LocalSmtpServer(ScriptedInbox(directory), port=port, tls=tls, tls_context=context or server_tls_context(),
                           users={SMTP_USER: SMTP_PASSWORD}).start()


def libeo_to(smtp: LocalSmtpServer) -> dict:
    """PUT /api/settings/libeo: sending on, to the loopback SMTP server, with the test account."""
    return {"enabled": True, "inbox": "acme@box.libeo.io", "sender": "compta@acme.fr", "smtp_host": "localhost",
            "smtp_port": smtp.port, "smtp_security": "starttls", "smtp_username": SMTP_USER,
            "smtp_password": SMTP_PASSWORD}


@pytest.fixture
def trust_test_cert(monkeypatch):
    """The client trusts the throwaway certificate (OpenSSL reads SSL_CERT_FILE per context)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(CERT))
    return CERT


def add_account(store: Store, provider: str = "demo-energie", login: str = "client@example.com") -> int:
    with store.transaction() as conn:
        return conn.execute(
            "INSERT INTO accounts(provider, login, terms_version, terms_accepted_at, created_at) "
            "VALUES (?, ?, '1', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')", (provider, login)).lastrowid


def add_invoice(store: Store, account_id: int, key: str, pdf: bytes, number: str | None = None,
                date: str = "2026-11-01", amount: str = "42.50", baseline: bool = False) -> int:
    """Store an invoice the way the server does: PDF by hash, then the row and, in the same
    transaction, one pending delivery per enabled destination (none for a baseline invoice)."""
    digest = hashlib.sha256(pdf).hexdigest()
    source = store.pdf_root / f"incoming-{digest}.pdf"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(pdf)
    store.keep_pdf(source, digest)
    with store.transaction() as conn:
        invoice_id = conn.execute(
            "INSERT INTO invoices(account_id, key, number, date, amount, currency, sha256, size, baseline, "
            "collected_at) VALUES (?, ?, ?, ?, ?, 'EUR', ?, ?, ?, '2026-11-24T05:00:00Z')",
            (account_id, key, number, date, amount, digest, len(pdf), int(baseline))).lastrowid
        if not baseline:
            for destination in store.enabled_destinations(conn):
                conn.execute("INSERT INTO deliveries(invoice_id, destination, created_at) "
                             "VALUES (?, ?, '2026-11-24T05:00:00Z')", (invoice_id, destination))
    return invoice_id


def delivery(store: Store, invoice_id: int, destination: str = "libeo"):
    return store.query_one("SELECT * FROM deliveries WHERE invoice_id = ? AND destination = ?",
                           (invoice_id, destination))
