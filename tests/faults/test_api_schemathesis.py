"""schemathesis against /api/openapi.json: every documented operation, with inputs that follow the
documented schemas and inputs that break them (its positive and negative generation modes),
through the real app. `check` (test_api_fuzz.py) asserts what matters here: no 5xx, one error
shape, a 4xx changes nothing, no answer shows a secret."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from tests.faults.test_api_fuzz import BASE, STATS, Body, check, world  # noqa: F401 — `world` is a fixture

schemathesis = pytest.importorskip("schemathesis")  # in the `test` extra
pytestmark = pytest.mark.keyring
PER_OPERATION = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "4"))


def as_request(case) -> tuple:
    sent = case.as_transport_kwargs(base_url=BASE)
    if sent.get("json") is not None:
        body = Body(json.dumps(sent["json"]).encode())
    elif isinstance(sent.get("data"), (bytes, str)):
        body = Body(sent["data"] if isinstance(sent["data"], bytes) else sent["data"].encode())
    else:
        body = None
    content_type = {k.lower(): v for k, v in (sent.get("headers") or {}).items()}.get("content-type",
                                                                                      "application/json")
    path = sent["url"][len(BASE):] if sent["url"].startswith(BASE) else sent["url"]
    return case.method.upper(), path.split("?")[0], sent.get("params") or {}, body, {"Content-Type": content_type}


def test_every_documented_operation_positive_and_negative(world):  # noqa: F811
    schema = schemathesis.openapi.from_dict(world.openapi)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    before = STATS["requests"]
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            @settings(max_examples=PER_OPERATION, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case) -> None:
                check(world, as_request(case))
            try:
                run()
            except Unsatisfiable:  # nothing to break: an operation without parameters or body
                assert mode == schemathesis.GenerationMode.NEGATIVE
    STATS["schemathesis requests"] = STATS["requests"] - before
