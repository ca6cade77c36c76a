"""GetMyInvoices recipe against a stand-in that follows the API v3 OpenAPI spec."""

from __future__ import annotations

import pytest

from tests.helpers import summary
from tests.replicas import getmyinvoices as gmi
from tests.replicas.common import pdf
from tests.replicas.harness import pdf_bytes, run, running

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def api():
    yield from running(gmi.create())


@pytest.fixture
def seen(api):
    for calls in api.seen.values():
        calls.clear()
    return api.seen


def test_lists_every_page_and_fetches_each_file(api, seen, tmp_path, browser_config):
    saved = []
    result = run("getmyinvoices", api, tmp_path, browser_config, {"api_key": gmi.KEY}, on_invoice=saved.append)
    assert result.outcome == "OK", result.message
    assert seen["pages"] == [1, 2]  # 4 incoming invoices, 2 a page; the receipt is filtered out
    assert seen["since"] == [None, None]  # no start date: no filter sent
    assert summary(result.invoices) == [
        ("1001", "INV-2024-001", "2024-01-08", "2024-02-07", "120.0", "EUR"),
        ("1002", "INV-2024-017", "2024-02-01", None, "49.9", "EUR"),
        ("1003", "A-5531", "2024-03-01", "2024-03-31", "1200.0", "EUR"),
        ("1005", "US-77", "2024-03-18", None, "50.0", "USD"),
    ]
    assert result.invoices[0].extra == {"net_amount": "100.0", "vat": "20.0", "supplier": "Hébergeur SAS",
                                        "filename": "INV-2024-001.pdf"}
    assert pdf_bytes(result.invoices) == {str(d[0]): pdf(f"gmi {d[3]}") for d in gmi.DOCUMENTS if d[0] != 1004}
    assert [i.key for i in saved] == ["1001", "1002", "1003", "1005"]


def test_start_date_is_sent_as_the_api_wants_and_known_documents_are_not_fetched(api, seen, tmp_path,
                                                                                 browser_config):
    result = run("getmyinvoices", api, tmp_path, browser_config, {"api_key": gmi.KEY},
                 options={"since": "2024-03-01", "document_type": ""}, known_keys={"1003"})
    assert result.outcome == "OK", result.message
    assert seen["since"] == ["2024-03-01 00:00:00", "2024-03-01 00:00:00"]
    assert [i.key for i in result.invoices] == ["1004", "1005"]  # every type, only changed since
    assert (result.listed, result.known) == (3, 1)
    assert seen["detail"] == [1004, 1005]


@pytest.mark.parametrize("key, outcome, words", [
    (gmi.UNKNOWN_KEY, "LOGIN_FAILED", "Invalid API key"),
    (gmi.LIMITED_KEY, "PROVIDER_DOWN", "HTTP 429"),
    (gmi.LIMITED_403_KEY, "PROVIDER_DOWN", "code 429"),
    (gmi.DOWN_KEY, "PROVIDER_DOWN", "HTTP 503"),
])
def test_api_refusals(api, seen, tmp_path, browser_config, key, outcome, words):
    result = run("getmyinvoices", api, tmp_path, browser_config, {"api_key": key})
    assert (result.outcome, result.invoices) == (outcome, [])
    assert words in result.message and key not in result.message


def test_rate_limit_mid_run_keeps_what_was_saved(api, seen, tmp_path, browser_config):
    api.hits["burst"] = 0
    saved = []
    result = run("getmyinvoices", api, tmp_path, browser_config, {"api_key": gmi.BURST_KEY},
                 on_invoice=saved.append)
    # Two list pages and one file, then the per-minute limit: retried later, the first one is kept.
    assert result.outcome == "PROVIDER_DOWN"
    assert [i.key for i in saved] == ["1001"]
