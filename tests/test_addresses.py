"""E-mail addresses: a portal login of type `email` is any address a portal may accept (a dotless
domain, an internationalised one); the Libeo inbox stays a real @box.libeo.io mailbox."""

from __future__ import annotations

import pytest

from backend.collectors.model import CredentialField, Provider, Terms
from backend.core.addresses import is_email
from backend.delivery.settings import InvalidSettings, LibeoSettings, merge_libeo
from backend.server import validation
from backend.server.errors import ApiError

PORTAL_ADDRESSES = ["mfa@localhost", "jean.dupont@exämple.fr", "用户@例子.广告", "compta+edf@intranet",
                    "a.b-c_d@sub.example.co.uk", "x@127"]
NOT_ADDRESSES = ["mfa", "mfa at localhost", "jean dupont@example.fr", "a@b@c.fr", "@example.fr", "jean@",
                 "jean@exa mple.fr", "jean@.fr", "jean@example..fr", "<jean@example.fr>", ""]


@pytest.mark.parametrize("address", PORTAL_ADDRESSES)
def test_any_address_a_portal_may_accept_is_an_address(address):
    assert is_email(address)


@pytest.mark.parametrize("text", NOT_ADDRESSES)
def test_what_is_clearly_not_an_address_is_refused(text):
    assert not is_email(text)


PROVIDER = Provider(id="p", name="P", homepage="https://p.test", category="autre", terms=Terms(version="1", text="t"),
                    credentials=[CredentialField("login", "Adresse e-mail", "Email address", type="email")], steps=[])


@pytest.mark.parametrize("address", PORTAL_ADDRESSES)
def test_an_email_credential_keeps_the_address_as_typed(address):
    assert validation.credentials(PROVIDER, {"login": f" {address} "}) == {"login": address}


def test_an_email_credential_that_is_not_an_address_is_refused_under_its_field():
    with pytest.raises(ApiError) as raised:
        validation.credentials(PROVIDER, {"login": "mfa at localhost"})
    assert list(raised.value.fields) == ["credentials.login"]


@pytest.mark.parametrize("inbox", ["acme@localhost", "acme@box-libeo.io", "acme@box.libeo.io.evil.fr"])
def test_the_libeo_inbox_stays_a_box_libeo_io_mailbox(inbox):
    with pytest.raises(InvalidSettings) as raised:
        merge_libeo(LibeoSettings(), {"inbox": inbox})
    assert "inbox" in raised.value.fields


def test_a_libeo_inbox_is_accepted():
    assert merge_libeo(LibeoSettings(), {"inbox": "Acme-SARL@box.libeo.io"}).inbox == "acme-sarl@box.libeo.io"
