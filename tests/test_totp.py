"""TOTP keys as authenticator apps accept them: 80-bit keys (16 characters), spaces and lower case,
otpauth:// addresses; codes checked against RFC 6238 computed here with hmac, independently."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct

import pytest

from backend import totp

AT = 1_700_000_000.0  # a fixed instant: the code is a pure function of the key and the time


def rfc6238(key: str, at: float, digits: int = 6, period: int = 30, digest=hashlib.sha1) -> str:
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    mac = hmac.new(secret, struct.pack(">Q", int(at // period)), digest).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10 ** digits).zfill(digits)


@pytest.mark.parametrize("written, key", [
    ("JBSWY3DPEHPK3PXP", "JBSWY3DPEHPK3PXP"),  # 80 bits: pyotp 2.12 alone refuses it
    ("jbsw y3dp ehpk 3pxp", "JBSWY3DPEHPK3PXP"),  # as shown under a QR code
    ("JBSW-Y3DP-EHPK-3PXP", "JBSWY3DPEHPK3PXP"),
    ("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),  # 160 bits
])
def test_keys_an_authenticator_accepts_give_the_rfc_code(written, key):
    assert totp.normalize(written) == key
    assert totp.code(written, AT) == rfc6238(key, AT)


def test_an_otpauth_address_keeps_its_digits_period_and_algorithm():
    uri = "otpauth://totp/Portail:jeanne%40acme.fr?secret=JBSWY3DPEHPK3PXP&issuer=Portail&digits=8&period=60" \
          "&algorithm=SHA256"
    assert totp.normalize(uri) == uri
    assert totp.code(uri, AT) == rfc6238("JBSWY3DPEHPK3PXP", AT, digits=8, period=60, digest=hashlib.sha256)


@pytest.mark.parametrize("written", ["", "JBSWY3DP", "JBSWY3DPEHPK3PX1", "not a key at all!",
                                     "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1",
                                     "otpauth://totp/x?secret=ABC", "A" * 120])
def test_what_no_authenticator_takes_is_refused(written):
    assert totp.normalize(written) is None
    with pytest.raises(ValueError):
        totp.code(written, AT)


def test_the_server_stores_the_normal_form_and_names_the_field_it_refuses():
    """Saving an account: an 80-bit key as shown under a QR code is accepted (stored without spaces);
    a key no app would take is a 400 naming the credential field."""
    from backend.server import validation
    from backend.server.errors import ApiError
    from tests.portals.common import load_recipe
    provider = load_recipe("otp")
    base = {"login": "totp-user", "password": "pw"}
    assert validation.credentials(provider, base | {"totp_secret": "jbsw y3dp ehpk 3pxp"})["totp_secret"] \
        == "JBSWY3DPEHPK3PXP"
    with pytest.raises(ApiError) as refused:
        validation.credentials(provider, base | {"totp_secret": "JBSWY3DP"})
    assert refused.value.status == 400 and "not a valid TOTP key" in refused.value.fields["credentials.totp_secret"]
