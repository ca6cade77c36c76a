"""TOTP keys as authenticator apps take them, and the codes they give (RFC 6238): one reading for
the server, which checks a key when the account is saved, and the engine, which computes codes.

Accepted: the base32 key as shown under a QR code — spaces, dashes and lower case allowed — from
80 bits (16 characters, which many services still issue; pyotp 2.12 refuses them by default) to
512, or the `otpauth://totp/…` address the QR code holds (its digits, period and algorithm kept)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import urllib.parse

import pyotp

MIN_BITS, MAX_BITS = 80, 512


class _AuthenticatorTOTP(pyotp.TOTP):
    min_secret_length_bits = MIN_BITS  # pyotp's documented knob: what authenticator apps accept


def _base32_key(value: str) -> str | None:
    key = re.sub(r"[\s-]", "", value).upper().rstrip("=")
    if not key or not re.fullmatch(r"[A-Z2-7]+", key):
        return None
    try:
        decoded = base64.b32decode(key + "=" * (-len(key) % 8))
    except (binascii.Error, ValueError):
        return None
    return key if MIN_BITS <= len(decoded) * 8 <= MAX_BITS else None


DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}


def _from_address(text: str) -> _AuthenticatorTOTP | None:
    """An otpauth://totp/… address (Google's Key Uri Format), read here: pyotp.parse_uri builds
    its TOTP with the 112-bit minimum, so it refuses the 80-bit keys this module accepts."""
    address = urllib.parse.urlsplit(text)
    query = dict(urllib.parse.parse_qsl(address.query))
    key = _base32_key(query.get("secret", ""))
    digest = DIGESTS.get(query.get("algorithm", "SHA1").upper())
    digits, period = query.get("digits", "6"), query.get("period", "30")
    if address.scheme.lower() != "otpauth" or address.netloc.lower() != "totp" or key is None or digest is None \
            or digits not in ("6", "7", "8") or not period.isdigit() or not 1 <= int(period) <= 3600:
        return None
    return _AuthenticatorTOTP(key, digits=int(digits), digest=digest, interval=int(period))


def normalize(value: str) -> str | None:
    """The key to store (a base32 key, or an otpauth:// address), or None if no app would take it."""
    text = value.strip()
    if text.lower().startswith("otpauth://"):
        return text if _from_address(text) is not None else None
    return _base32_key(text)


def code(value: str, at: float | None = None) -> str:
    """The current code (or the one at `at`, a Unix time); ValueError for a key no app would take."""
    text = value.strip()
    found = _from_address(text) if text.lower().startswith("otpauth://") else None
    if found is None:
        key = _base32_key(text)
        if key is None:
            raise ValueError("not a TOTP key an authenticator app would accept")
        found = _AuthenticatorTOTP(key)
    return found.at(at) if at is not None else found.now()
