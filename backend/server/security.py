"""The door: every request passes these checks, in this order, before any route runs.

1. Host must be 127.0.0.1:PORT or localhost:PORT (DNS rebinding: a hostile name that resolves
   to 127.0.0.1 still sends its own Host).
2. An Origin header, when present, must be our extension's (chrome-extension://<id>); a web
   page is refused here, *before* anything happens — CORS alone only hides the answer.
3. A token in the query string is refused (URLs end up in logs and history).
4. Every route but health and pairing needs `Authorization: Bearer <token>`, compared in
   constant time with the hash of each paired browser's token kept in the keyring; the route
   finds which pairing called in `flask.g.pairing_id`.
5. State-changing methods need `Content-Type: application/json`: a form or text/plain POST,
   which a web page can send without a preflight, does nothing.
CORS answers only our extension's origins (never a wildcard, no private-network grant)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
from pathlib import Path

from flask import Flask, g, request
from flask_cors import CORS

from backend import paths
from backend.config import Settings
from backend.core import paired_browsers
from backend.i18n import say
from backend.server.errors import error_response

log = logging.getLogger("invoice_collector.security")

PUBLIC_ENDPOINTS = {"meta.health", "meta.pair"}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
QUERY_TOKEN_NAMES = {"token", "access_token", "api_key", "apikey", "key", "auth", "bearer", "authorization"}
EXTENSION_ID = re.compile(r"^[a-p]{32}$")


def extension_id_from_key(key_b64: str) -> str:
    """Chrome's id for an extension: SHA-256 of the DER public key, first 32 hex digits, 0-f → a-p."""
    der = base64.b64decode(key_b64, validate=True)
    digest = hashlib.sha256(der).hexdigest()[:32]
    return "".join(chr(ord("a") + int(ch, 16)) for ch in digest)


def manifest_extension_id(manifest: Path | None = None) -> str | None:
    path = manifest or paths.extension_dir() / "manifest.json"
    try:
        key = json.loads(path.read_text(encoding="utf-8")).get("key")
        return extension_id_from_key(key) if isinstance(key, str) else None
    except (OSError, ValueError, binascii.Error) as exc:
        log.warning("cannot read the extension id from %s: %s", path, exc)
        return None


def allowed_origins(settings: Settings, manifest: Path | None = None) -> list[str]:
    ids = [manifest_extension_id(manifest)] + list(settings.extension_ids or [])
    origins = []
    for ext_id in ids:
        if ext_id and EXTENSION_ID.match(ext_id):
            origins.append(f"chrome-extension://{ext_id}")
        elif ext_id:
            log.warning("ignoring extension id %r from the settings: expected 32 letters a-p", ext_id)
    return sorted(set(origins))


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def door(hosts: set[str], origins: list[str], tokens: paired_browsers.TokenCache, port: int):
    """The checks above, for the request being handled: an error answer, or None to let it through.
    A plain function (install() registers it) so that the mutation run, which skips decorated
    functions, mutates it (bench/mutation.py)."""
    host = request.headers.get("Host", "").strip().lower()
    if host not in hosts:
        return error_response(403, "FORBIDDEN", say(f"Host '{host}' is not allowed: use http://127.0.0.1:{port}",
                                                    f"l'hôte « {host} » n'est pas permis : utilisez "
                                                    f"http://127.0.0.1:{port}"))
    origin = request.headers.get("Origin")
    if origin is not None and origin not in origins:
        return error_response(403, "FORBIDDEN", say(f"requests from {origin} are not allowed",
                                                    f"les requêtes venant de {origin} ne sont pas permises"))
    if request.method == "OPTIONS":
        return None  # a CORS preflight: answered by Flask, headers added by flask-cors
    if QUERY_TOKEN_NAMES & {k.lower() for k in request.args}:
        return error_response(400, "BAD_REQUEST", say("never put the token in the URL: send the header "
                                                      "`Authorization: Bearer <token>`",
                                                      "ne mettez jamais le jeton dans l'adresse : envoyez l'en-tête "
                                                      "`Authorization: Bearer <jeton>`"),
                              {"token": say("not allowed in the query string", "interdit dans l'adresse")})
    if request.endpoint not in PUBLIC_ENDPOINTS:
        token = _bearer()
        if token is None:
            return error_response(401, "UNAUTHORIZED", say("missing `Authorization: Bearer <token>`: pair the "
                                                           "extension with `invoice-collector pair`",
                                                           "ce navigateur n'est pas associé : associez-le avec "
                                                           "`invoice-collector pair`"))
        pairing_id = tokens.match(token)
        if pairing_id is None:
            return error_response(401, "UNAUTHORIZED", say("unknown or revoked token: pair the extension "
                                                           "again with `invoice-collector pair`",
                                                           "association inconnue ou révoquée : associez à nouveau "
                                                           "ce navigateur avec `invoice-collector pair`"))
        g.pairing_id = pairing_id
        tokens.note_use(pairing_id)
    if request.method in STATE_CHANGING:
        has_type = bool(request.headers.get("Content-Type"))
        if (has_type or request.method != "DELETE") and request.mimetype != "application/json":
            return error_response(415, "UNSUPPORTED_MEDIA_TYPE",
                                  say("send `Content-Type: application/json` with a JSON body",
                                      "envoyez `Content-Type: application/json` avec un corps JSON"))
    return None


def install(app: Flask, settings: Settings, port: int, manifest: Path | None = None) -> list[str]:
    origins = allowed_origins(settings, manifest)
    hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
    app.config["ALLOWED_ORIGINS"] = origins
    tokens = paired_browsers.TokenCache()
    app.before_request(lambda: door(hosts, origins, tokens, port))

    CORS(app, resources={r"/api/*": {"origins": origins or ["chrome-extension://none"]}},
         allow_headers=["Authorization", "Content-Type"], methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
         expose_headers=["Content-Disposition", "X-Invoices-Without-Pdf"],  # read by the panel's downloads
         supports_credentials=False, allow_private_network=False, max_age=600, vary_header=True)
    return origins
