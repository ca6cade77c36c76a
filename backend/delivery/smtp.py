"""Talking to the user's SMTP server: connect, secure, log in, send one message, classify failures.

"Delivered" means the server answered 250 to DATA. 4xx answers, timeouts and dropped
connections are temporary; 5xx answers are permanent and carry the server's own text.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from backend.delivery.settings import LibeoSettings
from backend.delivery.tls import client_context
from backend.i18n import Said, say

DEFAULT_TIMEOUT = 30.0
# An SMTP server greets at once; silence this long on a clear-text connection suggests a port that
# waits for a TLS handshake (465). That is then checked on a second connection: only a port that
# completes a handshake fails fast, a slow clear-text server is still waited for.
GREETING_WAIT = 2.0
PROBE_TIMEOUT = 5.0  # asking a port which security it speaks
# OpenSSL's verify codes meaning "signed by no CA we trust" (the other ones: expired, wrong name…).
_UNKNOWN_ISSUER = {2, 18, 19, 20, 21}
ADVANCED_CA = say("If your company signs its own certificates, paste its CA certificate in Settings > Delivery "
                  "to Libeo > Advanced options (Your SMTP server's CA certificate).",
                  "Si votre entreprise signe ses propres certificats, collez son certificat d'autorité dans "
                  "Réglages > Envoi vers Libeo > Options avancées (Certificat d'autorité (CA) de votre serveur SMTP).")


@dataclass
class SmtpFailure(Exception):
    """Why a send or a login check failed, in words the user can act on."""
    text: Said  # includes the server's own reply when there is one; French twin for the panel
    permanent: bool  # False: retry later (4xx, timeout, dropped connection)
    stage: str = "message"  # "connect" (nothing about this message: same for every message) | "message"
    auth: bool = False  # the server refused the login: never retried automatically
    field: str | None = None  # the setting most likely wrong

    def __str__(self) -> str:
        return self.text


def _reply(code: int, text: bytes | str) -> str:
    body = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(body.split())}".strip()


def classify(exc: BaseException, stage: str) -> SmtpFailure:
    """Turn an smtplib/ssl/socket error into a SmtpFailure."""
    if isinstance(exc, SmtpFailure):
        return exc
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        reply = _reply(exc.smtp_code, exc.smtp_error)
        return SmtpFailure(say(f"the SMTP server refused the login: {reply}",
                               f"le serveur SMTP a refusé l'identification : {reply}"),
                           permanent=exc.smtp_code >= 500, stage="connect", auth=exc.smtp_code >= 500,
                           field="smtp_password")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return SmtpFailure(say(f"the SMTP server refused the inbox address: {_reply(code, text)}",
                               f"le serveur SMTP a refusé l'adresse de la boîte Libeo : {_reply(code, text)}"),
                           permanent=code >= 500, stage=stage, field="inbox")
    if isinstance(exc, smtplib.SMTPSenderRefused):
        reply = _reply(exc.smtp_code, exc.smtp_error)
        return SmtpFailure(say(f"the SMTP server refused the sender address: {reply}",
                               f"le serveur SMTP a refusé l'adresse d'expédition : {reply}"),
                           permanent=exc.smtp_code >= 500, stage=stage, field="sender")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return SmtpFailure(say(f"the SMTP server closed the connection ({exc or 'no reason given'})",
                               f"le serveur SMTP a fermé la connexion ({exc or 'sans raison donnée'})"),
                           permanent=False, stage=stage)
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = _reply(exc.smtp_code, exc.smtp_error)
        return SmtpFailure(say(f"the SMTP server answered: {reply}", f"le serveur SMTP a répondu : {reply}"),
                           permanent=exc.smtp_code >= 500, stage=stage)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SmtpFailure(say(f"the SMTP server does not support this: {exc}",
                               f"le serveur SMTP ne le permet pas : {exc}"), permanent=True,
                           stage="connect", field="smtp_security")
    if isinstance(exc, ssl.SSLCertVerificationError):
        why = exc.verify_message or exc
        if exc.verify_code in _UNKNOWN_ISSUER:
            return SmtpFailure(say(f"the SMTP server's certificate is not trusted: {why}. {ADVANCED_CA}",
                                   f"le certificat du serveur SMTP n'est pas reconnu : {why}. {ADVANCED_CA.fr}"),
                               permanent=True, stage="connect", field="smtp_ca_cert")
        return SmtpFailure(say(f"the SMTP server's certificate is not valid here: {why}",
                               f"le certificat du serveur SMTP n'est pas valable ici : {why}"),
                           permanent=True, stage="connect", field="smtp_host")
    if isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError)):
        return SmtpFailure(say(f"the secure connection was cut: {exc}", f"la connexion sécurisée a été coupée : {exc}"),
                           permanent=False, stage=stage)
    if isinstance(exc, ssl.SSLError):
        return SmtpFailure(say(f"secure connection failed ({exc.reason or exc}): check the port and "
                               "security (SSL/TLS is usually port 465, STARTTLS port 587)",
                               f"la connexion sécurisée a échoué ({exc.reason or exc}) : vérifiez le port et la "
                               "sécurité (SSL/TLS se sert en général du port 465, STARTTLS du 587)"),
                           permanent=True, stage="connect", field="smtp_security")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return SmtpFailure(say("the SMTP server did not answer in time", "le serveur SMTP n'a pas répondu à temps"),
                           permanent=False, stage=stage)
    if isinstance(exc, socket.gaierror):
        return SmtpFailure(say(f"the SMTP server name could not be resolved ({exc.strerror or exc})",
                               f"le nom du serveur SMTP est introuvable ({exc.strerror or exc})"),
                           permanent=False, stage="connect", field="smtp_host")
    if isinstance(exc, ConnectionRefusedError):
        return SmtpFailure(say("the SMTP server refused the connection (are the server and port right, is it up?)",
                               "le serveur SMTP a refusé la connexion (le serveur et le port sont-ils justes, "
                               "est-il en marche ?)"), permanent=False, stage="connect", field="smtp_port")
    if isinstance(exc, OSError):
        return SmtpFailure(say(f"network error talking to the SMTP server: {exc.strerror or exc}",
                               f"erreur réseau avec le serveur SMTP : {exc.strerror or exc}"),
                           permanent=False, stage=stage)
    raise exc


def wrong_mode(port: int, expected: str) -> SmtpFailure:
    """The port speaks another security than the one chosen: say which to choose."""
    if expected == "tls":
        text = say(f"port {port} expects SSL/TLS: choose “SSL/TLS” as the security",
                   f"le port {port} attend SSL/TLS : choisissez « SSL/TLS »")
    elif expected == "starttls":
        text = say(f"port {port} expects STARTTLS: choose “STARTTLS” as the security",
                   f"le port {port} attend STARTTLS : choisissez « STARTTLS »")
    else:
        text = say(f"port {port} answers unencrypted and offers no STARTTLS: check the port",
                   f"le port {port} répond sans chiffrement et ne propose pas STARTTLS : vérifiez le port")
    return SmtpFailure(text, permanent=True, stage="connect", field="smtp_security")


def speaks_tls(host: str, port: int, timeout: float = PROBE_TIMEOUT) -> bool:
    """Whether the port starts with a TLS handshake (implicit TLS). Only the protocol is asked
    about: the certificate is checked by the real connection."""
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    probe.check_hostname, probe.verify_mode = False, ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout) as raw, probe.wrap_socket(raw, server_hostname=host):
            return True
    except OSError:
        return False


def speaks_clear(host: str, port: int, timeout: float = PROBE_TIMEOUT) -> str | None:
    """"starttls" or "plain" when the port greets in clear text (as 587 and 25 do), else None."""
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as probe:
            probe.ehlo()
            return "starttls" if probe.has_extn("starttls") else "plain"
    except (OSError, smtplib.SMTPException):
        return None


def _greets(sock: socket.socket, wait: float) -> bool:
    """Whether the server says something (its greeting) within `wait` seconds; nothing is read."""
    timeout = sock.gettimeout()
    sock.settimeout(wait)
    try:
        sock.recv(1, socket.MSG_PEEK)
        return True  # the greeting, or a close smtplib then reports
    except TimeoutError:
        return False
    finally:
        sock.settimeout(timeout)


class _ClearTextSmtp(smtplib.SMTP):
    """A clear-text start (starttls, plain) that fails fast on an implicit-TLS port, which would
    otherwise say nothing until the timeout."""

    def _get_socket(self, host, port, timeout):
        sock = super()._get_socket(host, port, timeout)  # type: ignore[misc]  # smtplib's socket hook, not in typeshed
        if not _greets(sock, min(GREETING_WAIT, timeout)) and speaks_tls(host, port):
            sock.close()
            raise wrong_mode(port, "tls")
        return sock


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """One AUTH with the best mechanism offered. (smtplib.login() tries every mechanism in turn:
    one wrong password would count as two or three failed logins on the server.)"""
    if not smtp.has_extn("auth"):
        raise SmtpFailure(say("the SMTP server offers no login (AUTH) here: check the port and security "
                              "mode, or clear the username",
                              "le serveur SMTP ne propose pas d'identification ici : vérifiez le port et la "
                              "sécurité, ou videz l'identifiant"),
                          permanent=True, stage="connect", field="smtp_username")
    offered = smtp.esmtp_features["auth"].upper().split()
    mechanism = next((m for m in ("PLAIN", "LOGIN", "CRAM-MD5") if m in offered), None)
    if mechanism is None:
        raise SmtpFailure(say(f"the SMTP server offers no login method this program knows ({' '.join(offered)})",
                              f"le serveur SMTP ne propose aucune méthode d'identification connue "
                              f"({' '.join(offered)})"),
                          permanent=True, stage="connect", field="smtp_username")
    smtp.user, smtp.password = username, password
    method = getattr(smtp, "auth_" + mechanism.lower().replace("-", "_"))
    code, text = smtp.auth(mechanism, method, initial_response_ok=True)
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, text)


def connect(settings: LibeoSettings, password: str | None,
            timeout: float = DEFAULT_TIMEOUT) -> smtplib.SMTP:
    """EHLO, STARTTLS or implicit TLS, AUTH. Raises SmtpFailure(stage="connect")."""
    smtp: smtplib.SMTP | None = None
    try:
        context = client_context(settings.smtp_ca_cert)
        if settings.smtp_security == "tls":
            smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.port, timeout=timeout, context=context)
        else:
            smtp = _ClearTextSmtp(settings.smtp_host, settings.port, timeout=timeout)
        smtp.ehlo()
        if settings.smtp_security == "starttls":
            if not smtp.has_extn("starttls"):
                raise SmtpFailure(say("the SMTP server does not offer STARTTLS on this port: choose “SSL/TLS” "
                                      "(usually port 465) or check the port",
                                      "le serveur SMTP ne propose pas STARTTLS sur ce port : choisissez « SSL/TLS » "
                                      "(en général le port 465) ou vérifiez le port"), permanent=True,
                                  stage="connect", field="smtp_security")
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.smtp_username:
            if not password:
                raise SmtpFailure(say("no SMTP password saved: set it in the Libeo settings",
                                      "aucun mot de passe SMTP enregistré : saisissez-le dans les réglages Libeo"),
                                  permanent=True,
                                  stage="connect", auth=True, field="smtp_password")
            _login(smtp, settings.smtp_username, password)
        return smtp
    except BaseException as exc:
        if smtp is not None:
            smtp.close()
        if settings.smtp_security == "tls" and isinstance(exc, ssl.SSLError) \
                and not isinstance(exc, ssl.SSLCertVerificationError):
            # A handshake answered by an SMTP greeting: the port starts in clear text (587, 25).
            clear = speaks_clear(settings.smtp_host, settings.port)
            if clear:
                raise wrong_mode(settings.port, clear) from None
        if isinstance(exc, (OSError, smtplib.SMTPException, SmtpFailure)):
            raise classify(exc, "connect") from None
        raise


def check_login(settings: LibeoSettings, password: str | None, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Log in and QUIT without sending anything. Raises SmtpFailure with the server's text."""
    smtp = connect(settings, password, timeout)
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def send(smtp: smtplib.SMTP, sender: str, recipient: str, message: bytes,
         before_data: Callable[[], None]) -> str:
    """MAIL, RCPT, then `before_data()` (records "sending"), then DATA. Returns the server's reply.

    Only a 250 after DATA counts as delivered. Raises SmtpFailure(stage="message"); the caller
    then drops the connection and opens a fresh one for the next message."""
    try:
        code, text = smtp.mail(sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, text, sender)
        code, text = smtp.rcpt(recipient)
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({recipient: (code, text)})
        before_data()
        code, text = smtp.data(message)
        if code != 250:
            raise smtplib.SMTPDataError(code, text)
        return _reply(code, text)
    except (OSError, smtplib.SMTPException) as exc:
        raise classify(exc, "message") from None


def close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
