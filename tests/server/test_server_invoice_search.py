"""« Factures »: search and filters (supplier, period, amount) and a selection downloaded as one ZIP
of PDFs named as the folder copy names them."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from tests.helpers import assert_api_error

pytestmark = pytest.mark.keyring


@pytest.fixture
def collected(api, runner):
    """Four invoices of 'Portail Test Énergie', all new (collected after the account's first sync)."""
    account = api.create()["account"]
    api.wait_idle()
    runner.add("A-100", dt.date(2026, 9, 5), amount="12.50")
    runner.add("A-200", dt.date(2026, 10, 5), amount="40.00")
    runner.add("B-300", dt.date(2026, 11, 5), amount="120.80")
    runner.add("B-301", dt.date(2026, 11, 5), amount="1300.00")
    api.post(f"/api/accounts/{account['id']}/sync")
    api.wait_idle()
    return {invoice["key"]: invoice for invoice in api.invoices()}


def keys(api, query: str) -> list[str]:
    answer = api.get(f"/api/invoices?{query}")
    assert answer.status_code == 200, answer.get_json()
    return sorted(invoice["key"] for invoice in answer.get_json()["invoices"])


def test_search_by_number_or_supplier_name(api, collected):
    assert keys(api, "q=b-30") == ["B-300", "B-301"]  # the number, any case
    assert keys(api, "q=NA-2") == ["A-200"]  # as the portal prints it: "NA-200"
    assert keys(api, "q=energie") == sorted(collected)  # the supplier's name, without its accent
    assert keys(api, "q=%25") == []  # a literal %, not a wildcard
    assert keys(api, "q=zzz") == []
    assert keys(api, "provider=test-portal&q=A-") == ["A-100", "A-200"]
    assert keys(api, "provider=edf") == []


def test_filter_by_period_and_amount(api, collected):
    assert keys(api, "from=2026-10-01&to=2026-10-31") == ["A-200"]
    assert keys(api, "min_amount=40") == ["A-200", "B-300", "B-301"]  # at least: 40.00 counts
    assert keys(api, "max_amount=40,00") == ["A-100", "A-200"]  # the French decimal comma
    assert keys(api, "min_amount=100&max_amount=1%20300") == ["B-300", "B-301"]  # a space between thousands
    assert keys(api, "min_amount=100&from=2026-11-01&q=301") == ["B-301"]


@pytest.mark.parametrize("query, field", [
    ("min_amount=beaucoup", "min_amount"), ("max_amount=-5", "max_amount"),
    ("min_amount=50&max_amount=10", "max_amount"), ("provider=EDF%20!", "provider"), ("q=" + "x" * 101, "q"),
])
def test_bad_filters_name_their_field_in_both_languages(api, query, field):
    english = api.get(f"/api/invoices?{query}")
    assert_api_error(english, 400, field=field)
    french = api.get(f"/api/invoices?{query}", headers={"Accept-Language": "fr-FR"})
    assert french.get_json()["error"]["fields"][field] != english.get_json()["error"]["fields"][field]


def test_a_selection_downloads_as_one_zip_named_like_the_folder_copies(api, runner, collected):
    chosen = [collected["A-100"]["id"], collected["B-300"]["id"], collected["B-301"]["id"]]
    answer = api.post("/api/invoices/zip", {"ids": chosen})
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    assert "attachment" in answer.headers["Content-Disposition"] and ".zip" in answer.headers["Content-Disposition"]
    assert answer.headers["X-Invoices-Without-Pdf"] == "0"
    with zipfile.ZipFile(io.BytesIO(answer.data)) as archive:
        names = sorted(archive.namelist())
        assert names == ["2026-09-05_test-portal_NA-100.pdf", "2026-11-05_test-portal_NB-300.pdf",
                         "2026-11-05_test-portal_NB-301.pdf"]
        assert archive.read("2026-11-05_test-portal_NB-300.pdf") == runner.pdfs["B-300"]
        assert archive.testzip() is None
    # The single PDF gets the same name.
    single = api.get(collected["A-100"]["pdf_url"])
    assert "2026-09-05_test-portal_NA-100.pdf" in single.headers["Content-Disposition"]


def test_zip_refusals(api, runner, collected):
    assert_api_error(api.post("/api/invoices/zip", {"ids": []}), 400, field="ids")
    assert_api_error(api.post("/api/invoices/zip", {"ids": ["1"]}), 400, field="ids")
    assert_api_error(api.post("/api/invoices/zip", {"ids": list(range(1, 502))}), 400, field="ids")
    assert_api_error(api.post("/api/invoices/zip", {"ids": [collected["A-100"]["id"], 999]}), 404, "NOT_FOUND")
    # An invoice known before the account was added has no PDF: alone, it gives nothing to zip.
    runner.listed.clear()
    runner.add("OLD", dt.date(2025, 1, 5))
    second = api.create(credentials={"email": "bob@example.com", "password": "pw"})["account"]
    api.wait_idle()
    [old] = api.invoices(account=second["id"])
    assert old["pdf_url"] is None
    assert_api_error(api.post("/api/invoices/zip", {"ids": [old["id"]]}), 404, "NOT_FOUND")
    mixed = api.post("/api/invoices/zip", {"ids": [old["id"], collected["A-200"]["id"]]})
    assert mixed.status_code == 200 and mixed.headers["X-Invoices-Without-Pdf"] == "1"
