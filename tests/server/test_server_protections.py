"""The door's finer rules and the outcomes never retried on their own, through the real app (issue 16)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import assert_api_error
from tests.server.conftest import PASSWORD
from tests.server.test_server_security import nothing_happened
from tests.test_protections import NEVER_RETRIED


def test_a_valid_token_under_another_scheme_than_bearer_is_refused(api):
    for scheme in ("Basic", "Token", "Digest"):
        response = api.call("GET", "/api/accounts", headers={"Authorization": f"{scheme} {api.token}"})
        assert_api_error(response, 401, "UNAUTHORIZED")
    assert api.call("GET", "/api/accounts", headers={"Authorization": f"bearer {api.token}"}).status_code == 200


@pytest.mark.parametrize("name", ["TOKEN", "Access_Token", "ApiKey"])
def test_a_token_in_the_query_is_refused_whatever_its_case(api, name):
    response = api.call("POST", f"/api/accounts?{name}={api.token}", {"provider": "test-portal"})
    assert_api_error(response, 400, field="token")
    nothing_happened(api)


@pytest.mark.parametrize("code", sorted(NEVER_RETRIED))
def test_an_outcome_that_needs_the_user_blocks_the_account_and_is_never_retried(make_api, runner, code):
    runner.outcome, runner.message = code, f"refused with {PASSWORD}"
    api = make_api(runner=runner)
    account = api.create()["account"]
    api.wait_idle()
    state = api.account(account["id"])
    assert state["blocked"] and state["next_run_at"] is None and state["last_outcome"]["code"] == code
    assert PASSWORD not in str(state)  # the run's message is redacted before it is kept
    for days in (1, 3, 40):
        assert api.services.scheduler.tick(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=days)) == []
    assert len(runner.requests) == 1


def test_a_provider_outage_is_retried_and_does_not_block(make_api, runner):
    runner.outcome = "PROVIDER_DOWN"
    api = make_api(runner=runner)
    account = api.create()["account"]
    api.wait_idle()
    state = api.account(account["id"])
    assert not state["blocked"] and state["next_run_at"] is not None
