"""OriginGate without a browser: what each rule lets through, what it stops, and the message the
user reads when a recipe is stopped (the secret masked in it). The browser journeys that apply the
same rules to a real page are in tests/test_recipe_origins.py."""

from __future__ import annotations

import pytest

from backend.collectors.model import CollectionError
from backend.collectors.run.origins import OriginGate, declared_origins, origin_of
from backend.redact import MASK

SECRET = "s3cr&t/pw"
ALLOWED = ["https://www.example.fr", "https://*.auth.example.fr", "http://127.0.0.1:5000"]


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(CollectionError) as stopped:
        call(*args, **kwargs)
    assert stopped.value.code == "RECIPE_UNSAFE"
    return stopped.value.message


@pytest.mark.parametrize("url, origin", [
    ("https://www.example.fr/a/b?c=d#e", "https://www.example.fr"),
    ("  HTTPS://WWW.Example.FR/  ", "https://www.example.fr"),  # spaces around, scheme and host in capitals
    ("https://www.example.fr:443/", "https://www.example.fr"),  # the default port is not part of it
    ("http://www.example.fr:80/", "http://www.example.fr"),
    ("http://www.example.fr:443/", "http://www.example.fr:443"),  # https's port under http is not a default
    ("https://www.example.fr:80/", "https://www.example.fr:80"),
    ("https://www.example.fr:8443/x", "https://www.example.fr:8443"),
    ("https://user:pw@www.example.fr/", "https://www.example.fr"),  # userinfo is not part of it
    ("http://[::1]:8080/x", "http://[::1]:8080"),  # an IPv6 host keeps its brackets
    ("http://[::1]/", "http://[::1]"),
])
def test_an_origin_is_scheme_host_and_a_port_other_than_the_default(url, origin):
    assert origin_of(url) == origin


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "data:text/html,x", "javascript:alert(1)", "chrome://settings", "ftp://example.fr/",
    "https:///no-host", "www.example.fr/no-scheme", "",
    "https://www.example.fr:99999/",  # a port out of range
    "http://[::1/",  # an unclosed IPv6 bracket
])
def test_anything_but_an_http_or_https_address_has_no_origin(url):
    assert origin_of(url) is None


def test_the_declared_origins_are_the_homepage_the_urls_and_the_listed_patterns_sorted_once_each():
    found = declared_origins("https://www.example.fr/home",
                             {"login": "https://www.example.fr/login", "api": "https://API.example.fr:8443/v1",
                              "mail": "mailto:someone@example.fr"},
                             ["https://*.Auth.example.fr/", "https://api.example.fr:8443"])
    assert found == ["https://*.auth.example.fr", "https://api.example.fr:8443", "https://www.example.fr"]


def test_an_approved_origin_or_pattern_is_allowed_and_nothing_else():
    gate = OriginGate(ALLOWED, {SECRET})
    for url in ("https://www.example.fr/", "https://WWW.example.fr:443/login", "https://sso.auth.example.fr/x",
                "http://127.0.0.1:5000/api"):
        assert gate.allows(url), url
    for url in ("http://www.example.fr/", "https://www.example.fr.evil.test/", "https://auth.example.fr/",
                "https://www.example.fr:8443/", "http://127.0.0.1:5001/", "file:///etc/passwd", "not a url"):
        assert not gate.allows(url), url


def test_a_gate_with_no_origin_allows_nothing():
    gate = OriginGate([], {SECRET})
    assert not gate.allows("https://www.example.fr/")
    assert refused(gate.request, "https://www.example.fr/") == (
        "a request to https://www.example.fr/: not one of the origins approved for this provider (none); "
        "stopped before anything was sent")


@pytest.mark.parametrize("text", [f"https://x.test/?p={SECRET}", "https://x.test/?p=s3cr%26t%2Fpw",
                                  f'{{"password": "{SECRET}"}}'])
def test_a_secret_is_seen_in_any_spelling_of_any_text(text):
    gate = OriginGate(ALLOWED, {SECRET})
    assert gate.holds_secret(text)
    assert gate.holds_secret("", "nothing here", text)


def test_a_text_without_a_secret_holds_none():
    gate = OriginGate(ALLOWED, {SECRET})
    assert not gate.holds_secret()
    assert not gate.holds_secret("", "https://x.test/?p=s3cr", "pw")


def test_a_secret_learnt_during_the_run_counts_too():
    secrets = {SECRET}
    gate = OriginGate(ALLOWED, secrets)
    assert not gate.holds_secret("code 481516")
    secrets.add("481516")  # a one-time code the user typed
    assert gate.holds_secret("code 481516")


@pytest.mark.parametrize("url", ["about:blank", "data:,", "chrome://new-tab-page/", "chrome://newtab/",
                                 "chrome-search://local-ntp/", "chrome://new-tab-page-third-party/", "",
                                 "chrome-error://chromewebdata/", "https://elsewhere.test/", "http://127.0.0.1:1/"])
def test_a_blank_tab_an_error_page_or_any_web_page_may_be_shown(url):
    OriginGate(ALLOWED, {SECRET}).page(url)  # the origin of a page is the request rules' business


@pytest.mark.parametrize("url", ["file:///etc/passwd", "data:text/html,<h1>x</h1>", "chrome://settings/",
                                 "about:blankx", "view-source:https://www.example.fr/"])
def test_a_page_that_is_not_a_web_page_stops_the_run(url):
    message = refused(OriginGate(ALLOWED, {SECRET}).page, url)
    assert message == f"the browser is on {url}; recipes may only open http and https pages"


def test_the_page_named_when_stopped_is_cut_at_80_characters_with_its_secret_masked():
    url = f"file:///home/alice/{SECRET}/" + "x" * 100
    message = refused(OriginGate(ALLOWED, {SECRET}).page, url)
    shown = f"file:///home/alice/{MASK}/" + "x" * 100
    assert message == f"the browser is on {shown[:80]}; recipes may only open http and https pages"


def test_a_request_to_an_approved_origin_goes():
    gate = OriginGate(ALLOWED, {SECRET})
    gate.request("https://www.example.fr/bills.json")
    gate.request("https://api.auth.example.fr/token", what="fetch_api")


@pytest.mark.parametrize("url, scheme", [("file:///etc/passwd", "file"), ("javascript:alert(1)", "javascript"),
                                         ("data:text/html,x", "data"), ("no scheme at all", "?"),
                                         ("javascript:alert('a:b')", "javascript")])
def test_a_request_to_anything_but_http_or_https_is_refused_with_its_scheme(url, scheme):
    assert refused(OriginGate(ALLOWED, {SECRET}).request, url, what="open") == (
        f"open a {scheme}: address: recipes may only use http and https addresses")


def test_a_request_elsewhere_is_refused_naming_it_with_the_secret_masked_and_the_approved_origins():
    message = refused(OriginGate(reversed(ALLOWED), {SECRET}).request, f"https://evil.test/?p={SECRET}")
    assert message == (f"a request to https://evil.test/?p={MASK}: not one of the origins approved for this provider "
                       "(http://127.0.0.1:5000, https://*.auth.example.fr, https://www.example.fr); "
                       "stopped before anything was sent")


def test_a_request_carrying_a_secret_goes_only_to_an_approved_origin():
    gate = OriginGate(ALLOWED, {SECRET})
    gate.carrying("https://evil.test/pixel.gif", "no secret", what="fetch_json")  # no secret: not this rule's
    gate.carrying(f"https://www.example.fr/?p={SECRET}", SECRET)  # a secret to an approved origin
    assert refused(gate.carrying, f"https://evil.test/?p={SECRET}") == (
        f"a request to https://evil.test/?p={MASK} (it carries a secret): not one of the origins approved for this "
        "provider (http://127.0.0.1:5000, https://*.auth.example.fr, https://www.example.fr); "
        "stopped before anything was sent")
    message = refused(gate.carrying, "https://evil.test/collect", "a=1", f"b={SECRET}", what="fetch_api")
    assert message.startswith("fetch_api https://evil.test/collect (it carries a secret): not one of the origins")


def test_a_secret_is_typed_only_into_an_approved_page_posting_to_an_approved_origin():
    gate = OriginGate(ALLOWED, {SECRET})
    gate.typing("https://www.example.fr/login", None)
    gate.typing("https://www.example.fr/login", "")
    gate.typing("https://www.example.fr/login", "https://sso.auth.example.fr/post")
    assert refused(gate.typing, "https://evil.test/login", None) == (
        "typing a secret into the page https://evil.test/login: not one of the origins approved for this provider "
        "(http://127.0.0.1:5000, https://*.auth.example.fr, https://www.example.fr); stopped before anything was "
        "sent")
    assert refused(gate.typing, "https://www.example.fr/login", "https://evil.test/steal").startswith(
        "typing a secret into a form that posts to https://evil.test/steal: not one of the origins approved")
