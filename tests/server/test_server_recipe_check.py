"""« Diagnostiquer la recette »: a recipe check run by the server on the user's account (the real engine
against the fixture portal) stores and sends nothing, leaves the account's schedule as it was, and gives a
Markdown report with no secret and no personal data."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.server.conftest import PASSWORD

TODAY = dt.date.today()


@pytest.mark.browser
def test_a_recipe_check_reports_what_the_recipe_met_and_changes_nothing(make_api, portal):
    for n, days in enumerate((65, 35, 5)):
        portal.publish(f"F2026-{n}", TODAY - dt.timedelta(days=days), amount=f"{n + 41},37 €")
    api = make_api(portal_url=portal.url)
    account_id = api.create()["account"]["id"]
    api.wait_idle(90)
    before, invoices_before, logins = api.account(account_id), api.invoices(), portal.login_posts

    started = api.post(f"/api/accounts/{account_id}/check-recipe")
    assert started.status_code == 202, started.get_json()
    job = started.get_json()["job"]
    assert job["trigger"] == "check" and job["report"] is False
    api.wait_idle(90)
    job = api.job(job["id"])
    assert (job["state"], job["outcome"]["code"], job["report"]) == ("succeeded", "OK", True), job
    assert portal.login_posts == logins + 1 and portal.pdf_downloads <= 2

    after = api.account(account_id)  # a check is not a sync: the account's state is as it was
    assert {k: after[k] for k in ("last_sync_at", "next_run_at", "last_outcome", "invoices_collected")} == \
        {k: before[k] for k in ("last_sync_at", "next_run_at", "last_outcome", "invoices_collected")}
    assert api.invoices() == invoices_before

    answer = api.get(f"/api/jobs/{job['id']}/report")
    assert answer.status_code == 200 and answer.mimetype == "text/markdown"
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=verify-test-portal-")
    report = answer.get_data(as_text=True)
    assert report.startswith("# Recipe check: Portail Test Énergie (`test-portal`)\n\n**OK**")
    assert "| invoices | 3 listed, 0 known" in report
    assert re.search(r"\| 6 \| \d+ \| `invoices` \| OK \| +\| 3 \|", report), report
    for personal in (PASSWORD, "alice@example.com", "alice", "F2026-0", "F2026-2", "41,37", "43,37"):
        assert personal not in report, personal


def test_a_refused_password_is_not_checked_again(api, runner):
    runner.outcome, runner.message = "LOGIN_FAILED", "Identifiant ou mot de passe incorrect."
    account_id = api.create()["account"]["id"]
    api.wait_idle()
    answer = api.post(f"/api/accounts/{account_id}/check-recipe")
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "CREDENTIALS_REFUSED"
    assert len(runner.requests) == 1


def test_a_sync_has_no_report(api, runner):
    job_id = api.create()["job"]["id"]
    api.wait_idle()
    answer = api.get(f"/api/jobs/{job_id}/report", headers={"Accept-Language": "fr"})
    assert answer.status_code == 404
    assert answer.get_json()["error"]["message"].startswith("Le rapport de la synchronisation")
    assert runner.requests[0].diagnose is False
