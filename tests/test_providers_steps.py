"""Unit tests of the steps added for the bundled providers (no browser: a stand-in context)."""

from __future__ import annotations

import base64
import json

import pytest

from backend.collectors.model import CollectionError
from backend.collectors.steps.api import _query, _refuse, flatten, jwt_claims


class StubContext:
    """Just what these steps use of the engine's Context: variables, templates, notes, secrets."""

    def __init__(self, **variables):
        self.vars = dict(variables)
        self.notes: list[str] = []
        self.secrets: set[str] = set()

    def render(self, value):
        if isinstance(value, str) and value.startswith("{{ ") and value.endswith(" }}"):
            return self.vars.get(value[3:-3], "")
        return value

    def note(self, text: str) -> None:
        self.notes.append(text)


EDOC = [{"bpDto": {"bpNumber": "BP1"}, "listOfBillsByAccDTO": [
    {"accDTO": {"numAcc": "A1"}, "listOfbills": [{"documentNumber": "1"}, {"documentNumber": "2"}]},
    {"accDTO": {"numAcc": "A2"}, "listOfbills": []}]}]


def test_flatten_keeps_each_bill_with_its_parents():
    ctx = StubContext(edoc=EDOC)
    flatten(ctx, path="edoc.*.listOfBillsByAccDTO.*.listOfbills.*", save_as="bills")
    assert [(b["documentNumber"], b["parents"][0]["bpDto"]["bpNumber"], b["parents"][1]["accDTO"]["numAcc"])
            for b in ctx.vars["bills"]] == [("1", "BP1", "A1"), ("2", "BP1", "A1")]


@pytest.mark.parametrize("data, path, expected", [
    ({"factures": {"2024": [{"n": 1}], "2023": [{"n": 2}]}}, "f.factures.*.*", [1, 2]),  # values of a mapping
    ({"last": {"n": 3}}, "f.last", [3]),  # a single mapping: one element
    ({"bills": [{"n": 4}]}, "f.bills", [4]),  # a plain list
    ({}, "f.billsHistory.billList", []),  # nothing there: an empty list, not an error
    (None, "f.bills", []),  # an empty answer
])
def test_flatten_shapes(data, path, expected):
    ctx = StubContext(f=data)
    flatten(ctx, path=path, save_as="out")
    assert [e["n"] for e in ctx.vars["out"]] == expected


def test_flatten_needs_a_known_variable():
    with pytest.raises(CollectionError) as error:
        flatten(StubContext(), path="nowhere.*", save_as="out")
    assert error.value.code == "RECIPE_BROKEN"


def test_jwt_claims_reads_the_payload_and_refuses_anything_else():
    payload = base64.urlsafe_b64encode(json.dumps({"id_personne": "42"}).encode()).rstrip(b"=").decode()
    ctx = StubContext(token=f"e30.{payload}.sig")
    jwt_claims(ctx, token="{{ token }}", save_as="claims")
    assert ctx.vars["claims"] == {"id_personne": "42"}
    for bad in ("not-a-token", "a.%%%.c", "e30.WzFd.c"):  # not three parts, not base64, not an object
        with pytest.raises(CollectionError):
            jwt_claims(StubContext(token=bad), token="{{ token }}", save_as="claims")


def test_query_drops_empty_filters_and_rewrites_dates():
    ctx = StubContext(since="2024-03-01", kind="")
    assert _query(ctx, {"updatedOrNewSinceFilter": {"value": "{{ since }}", "date": "%Y-%m-%d %H:%M:%S"},
                        "documentTypeFilter": "{{ kind }}", "archivedFilter": "1"}) == \
        {"updatedOrNewSinceFilter": "2024-03-01 00:00:00", "archivedFilter": "1"}
    with pytest.raises(CollectionError):
        _query(StubContext(since="soon"), {"s": {"value": "{{ since }}", "date": "%Y"}})


@pytest.mark.parametrize("status, body, expected", [
    (403, {"code": 403, "detail": "Invalid API key."}, "LOGIN_FAILED"),
    (403, {"code": 429, "detail": "Daily limit is exceeded."}, "PROVIDER_DOWN"),  # STATUS:CODE wins
    (429, {}, "PROVIDER_DOWN"),
    (404, {}, "RECIPE_BROKEN"),  # not in the table: the engine's default
    (502, b"<html>Bad gateway</html>", "PROVIDER_DOWN"),
])
def test_refuse_maps_status_and_error_code(status, body, expected):
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    with pytest.raises(CollectionError) as error:
        _refuse(status, content, {"403": "LOGIN_FAILED", "403:429": "PROVIDER_DOWN", "429": "PROVIDER_DOWN"},
                None, "code", "detail", "https://api.example/documents")
    assert error.value.code == expected
    assert f"HTTP {status}" in error.value.message
