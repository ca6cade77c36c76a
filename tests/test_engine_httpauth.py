"""`http_auth:`: the web server's own login prompt (basic and digest), answered by the browser and by
the session requests (fetch_json, `download: session`) with the account's credentials, for the
approved origins only.

A fixture portal (tests/portals/httpauth.py) protects its pages, JSON and PDFs; another origin
challenges too and records what it receives: never the credentials."""

from __future__ import annotations

import base64
import textwrap
from dataclasses import dataclass

import pytest
import requests

from backend.collectors.language.catalog import load_file
from backend.collectors.language.trust import fingerprint
from backend.collectors.model import CollectionError
from backend.collectors.run.devtools import devtools_address
from backend.collectors.run.httpauth import ChallengeAuth, HttpAuth, challenge_scheme
from backend.collectors.run.origins import OriginGate, origin_of
from tests.helpers import serve
from tests.portals import httpauth
from tests.portals.common import leaks, load_recipe, run

CREDENTIALS = {"login": httpauth.LOGIN, "password": httpauth.PASSWORD}
WRONG = {"login": httpauth.LOGIN, "password": "Mauvais&Mot:de<passe>"}
EXPECTED = [(number, iso, amount) for number, _, _, iso, amount in httpauth.INVOICES]


@dataclass
class Server:
    url: str
    state: httpauth.State
    scheme: str


@pytest.fixture(scope="module")
def outsider():
    seen: list[str] = []
    with serve(httpauth.create_outsider(seen)) as url:
        yield url, seen


@pytest.fixture(scope="module", params=["basic", "digest"])
def portal(request, outsider):
    state = httpauth.State(outsider=outsider[0])
    with serve(httpauth.create_app(state, request.param)) as url:
        yield Server(url, state, request.param)


@pytest.fixture
def fresh(portal, outsider):
    portal.state.hits.clear()
    portal.state.authorizations.clear()
    outsider[1].clear()
    return portal


def credentials_sent(server: Server) -> list[str]:
    """The Authorization headers that carried an answer (not the first, empty request)."""
    prefix = "Basic " if server.scheme == "basic" else "Digest "
    return [h for h in server.state.authorizations if h.startswith(prefix)]


# ---- the session side (requests): no browser needed ------------------------------------------

def policy(server: Server, password: str = httpauth.PASSWORD, notes: list[str] | None = None) -> HttpAuth:
    origin = origin_of(server.url)
    return HttpAuth(httpauth.LOGIN, password, OriginGate([origin], {password}), [origin],
                    (notes if notes is not None else []).append)


def test_challenge_scheme_prefers_digest():
    assert challenge_scheme('Basic realm="x"') == "basic"
    assert challenge_scheme('Digest realm="x", nonce="n", Basic realm="x"') == "digest"
    assert challenge_scheme('Bearer realm="x"') is None


def test_session_answers_the_portal_challenge_with_the_scheme_it_asks(fresh):
    with requests.Session() as http:
        http.auth = ChallengeAuth(policy(fresh))
        answer = http.get(f"{fresh.url}/api/compte", timeout=10)
        assert answer.status_code == 200 and answer.json()["client"] == "Mme Hydra"
        pdf = http.get(f"{fresh.url}/factures/FAC-H-001.pdf", timeout=10)
        assert pdf.content == httpauth.PDFS["FAC-H-001"]
    # The first request carries nothing; then each request is answered (basic: ahead, once learnt).
    assert fresh.state.authorizations[0] == ""
    assert len(credentials_sent(fresh)) == 2


def test_session_wrong_password_is_login_failed_after_one_attempt(fresh):
    with requests.Session() as http:
        http.auth = ChallengeAuth(policy(fresh, WRONG["password"]))
        with pytest.raises(CollectionError) as refused:
            http.get(f"{fresh.url}/api/compte", timeout=10)
    assert refused.value.code == "LOGIN_FAILED" and "refused the login" in refused.value.message
    assert len(credentials_sent(fresh)) == 1  # never tried again: accounts get locked that way


def test_session_never_answers_another_origin(fresh, outsider):
    outsider_url, seen = outsider
    notes: list[str] = []
    with requests.Session() as http:
        http.auth = ChallengeAuth(policy(fresh, notes=notes))
        assert http.get(f"{fresh.url}/api/compte", timeout=10).status_code == 200  # learnt the portal's scheme
        answer = http.get(f"{fresh.url}/vers-ailleurs?to={outsider_url}/piege.pdf", timeout=10)
    assert answer.status_code == 401
    assert seen == ["/piege.pdf "]  # asked, and got no Authorization header
    assert any("not answered" in note for note in notes)


# ---- the browser and the whole run ----------------------------------------------------------

@pytest.mark.browser
def test_right_password_collects_every_invoice_byte_identical(fresh, browser_config, tmp_path):
    result = run(load_recipe("httpauth", "httpauth"), fresh.url, tmp_path, browser_config, CREDENTIALS)
    assert result.outcome == "OK", result.message
    assert [(i.key, i.date.isoformat(), str(i.amount)) for i in result.invoices] == EXPECTED
    for invoice in result.invoices:
        assert invoice.pdf_path.read_bytes() == httpauth.PDFS[invoice.key]
    assert all(fresh.state.hits[f"pdf:{n}"] == 1 for n in httpauth.PDFS)
    assert fresh.state.hits["authorized"] >= 4  # the page (browser), the JSON and both PDFs (session)


@pytest.mark.browser
def test_wrong_password_ends_login_failed_without_a_second_try(fresh, browser_config, tmp_path):
    result = run(load_recipe("httpauth", "httpauth"), fresh.url, tmp_path, browser_config, WRONG,
                 trace_dir=tmp_path / "traces")
    assert result.outcome == "LOGIN_FAILED", result.message
    assert "refused the login" in result.message
    assert len(credentials_sent(fresh)) == 1
    token = base64.b64encode(f"{httpauth.LOGIN}:{WRONG['password']}".encode()).decode()
    assert leaks(result.trace_path, [WRONG["password"], token]) == []


@pytest.mark.browser
def test_challenges_from_another_origin_get_no_credentials(outsider, browser_config, tmp_path):
    outsider_url, seen = outsider
    seen.clear()
    state = httpauth.State(outsider=outsider_url)
    with serve(httpauth.create_app(state, "basic", pdfs_elsewhere=True)) as url:
        result = run(load_recipe("httpauth", "httpauth-elsewhere"), url, tmp_path, browser_config, CREDENTIALS)
    # The PDF whose link leads elsewhere is refused there (401); the other one is saved.
    assert result.outcome == "DOWNLOAD_FAILED", result.message
    assert [i.key for i in result.invoices] == ["FAC-H-001"]
    paths = {entry.split(" ")[0] for entry in seen}
    assert {"/page", "/logo.png", "/FAC-H-002.pdf"} <= paths  # the browser, the image, the session
    assert all(entry.endswith(" ") for entry in seen), seen  # not one Authorization header


def test_a_grid_without_cdp_says_so():
    with pytest.raises(CollectionError) as missing:
        devtools_address({"browserName": "chrome"}, remote=True)
    assert missing.value.code == "INTERNAL" and "se:cdp" in missing.value.message


# ---- recipe check and approval -----------------------------------------------------------------

HEADER = """\
id: guarded
name: Guarded
homepage: https://espace.example.fr
category: eau
terms: {version: "1", text: "t"}
credentials:
  - {name: login, label_fr: Identifiant, label_en: Login}
  - {name: password, label_fr: Mot de passe, label_en: Password, type: password}
urls: {portal: "https://espace.example.fr"}
"""
STEPS = """\
steps:
  - open: "{{ urls.portal }}/factures"
  - invoices: {items: tr, fields: {id: {css: td}, pdf: {css: a, attr: href}}}
"""


def check(tmp_path, http_auth: str) -> list[str]:
    path = tmp_path / "guarded.yaml"
    path.write_text(HEADER + textwrap.dedent(http_auth) + STEPS, encoding="utf-8")
    return [str(e).split(":", 1)[1] for e in load_file(path)[1]]


def test_recipe_check_accepts_http_auth(tmp_path):
    assert check(tmp_path, 'http_auth: {username: "{{ login }}", password: "{{ password }}"}\n') == []
    assert check(tmp_path, 'http_auth: {username: "{{ login }}", password: "{{ password }}",\n'
                           '            origins: ["{{ urls.portal }}", "https://espace.example.fr"]}\n') == []


def test_recipe_check_points_at_each_http_auth_problem(tmp_path):
    errors = check(tmp_path, """\
        http_auth:
          username: "{{ login }}"
          password: "hunter2"
          origins: ["https://evil.example", "{{ urls.portail }}"]
        """)
    assert any(e.startswith("12:13: http_auth: password must come from a secret credential field") for e in errors), errors
    assert any(e.startswith("13:13: http_auth: https://evil.example is not one of this provider's origins")
               for e in errors), errors
    assert any(e.startswith("13:38: template '{{ urls.portail }}': no url 'portail'") for e in errors), errors
    assert any("http_auth" in e and "realm" in e for e in check(
        tmp_path, 'http_auth: {username: "{{ login }}", password: "{{ password }}", realm: x}\n')), "unknown key"


def test_http_auth_is_part_of_what_the_user_approves(tmp_path):
    path = tmp_path / "guarded.yaml"
    path.write_text(HEADER + STEPS, encoding="utf-8")
    plain = fingerprint(load_file(path)[0][0])
    path.write_text(HEADER + 'http_auth: {username: "{{ login }}", password: "{{ password }}"}\n' + STEPS,
                    encoding="utf-8")
    guarded = fingerprint(load_file(path)[0][0])
    path.write_text(HEADER + 'http_auth: {username: "{{ login }}", password: "{{ password }}", '
                             'origins: ["{{ urls.portal }}"]}\n' + STEPS, encoding="utf-8")
    narrowed = fingerprint(load_file(path)[0][0])
    assert len({plain, guarded, narrowed}) == 3
