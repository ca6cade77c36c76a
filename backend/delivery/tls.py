"""The one TLS client context for the user's SMTP server: the system's trusted CAs, plus the CA
certificate the user pasted in the Libeo settings (a company server signed by a private CA works
without SSL_CERT_FILE, which autostart does not carry). The delivery worker, `doctor` and
« Tester la connexion » all connect through smtp.connect(), which takes its context from here."""

from __future__ import annotations

import ssl

from backend.i18n import Said, say

MAX_CA_CHARS = 64 * 1024  # a chain of a few certificates; more is not a CA certificate


def client_context(ca_pem: str = "") -> ssl.SSLContext:
    """Default verification (system CAs, hostname checked), trusting `ca_pem` too."""
    context = ssl.create_default_context()
    if ca_pem:
        context.load_verify_locations(cadata=ca_pem)
    return context


def ca_problem(ca_pem: str) -> Said | None:
    """Why this text cannot serve as the SMTP server's CA certificate, or None when it can."""
    if len(ca_pem) > MAX_CA_CHARS:
        return say(f"too long for a CA certificate (at most {MAX_CA_CHARS // 1024} KB)",
                   f"trop long pour un certificat d'autorité ({MAX_CA_CHARS // 1024} Ko au plus)")
    if "PRIVATE KEY-----" in ca_pem:  # a secret must never land in the settings: refused, not stripped
        return say("contains a private key: paste only the certificate (-----BEGIN CERTIFICATE-----)",
                   "contient une clé privée : collez seulement le certificat (-----BEGIN CERTIFICATE-----)")
    try:
        if not ca_pem.isascii():  # PEM is ASCII; OpenSSL refuses anything else with a TypeError
            raise ValueError("not ASCII")
        client_context(ca_pem)
    except (ssl.SSLError, ValueError):  # OpenSSL's reason ("no start line") would not help the user
        return say("not a PEM certificate: paste the whole text from -----BEGIN CERTIFICATE----- to "
                   "-----END CERTIFICATE-----",
                   "ce n'est pas un certificat PEM : collez tout le texte, de -----BEGIN CERTIFICATE----- à "
                   "-----END CERTIFICATE-----")
    return None
