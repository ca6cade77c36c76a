"""Invoices that are web pages: the `print` field opens each one and Chromium prints it to PDF,
saved like any downloaded PDF (name, sha256, never twice)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from backend.collectors.language.catalog import load_file
from tests.helpers import serve
from tests.portals import printed
from tests.portals.common import RECIPES, load_recipe, run, sha256

CREDENTIALS = {"login": "lecteur", "password": "Pr1nt-s3cret"}
EXPECTED = [(number, iso, amount) for number, _, _, iso, amount in printed.INVOICES]


@pytest.fixture(scope="module")
def portal():
    state = printed.State()
    with serve(printed.create_app(state)) as url:
        yield url, state


@pytest.mark.browser
def test_invoice_pages_are_printed_to_pdf_once(portal, browser_config, tmp_path):
    url, state = portal
    state.hits.clear()
    first = run(load_recipe("printed"), url, tmp_path / "1", browser_config, CREDENTIALS)
    assert first.outcome == "OK", first.message
    assert [(i.key, i.date.isoformat(), str(i.amount)) for i in first.invoices] == EXPECTED
    for invoice in first.invoices:
        data = invoice.pdf_path.read_bytes()
        assert invoice.sha256 == sha256(data) and invoice.size == len(data)
        assert invoice.pdf_path.name.startswith(invoice.key) and invoice.pdf_path.suffix == ".pdf"
        reader = PdfReader(io.BytesIO(data))
        text = " ".join(page.extract_text() for page in reader.pages)
        assert f"Facture {invoice.key}" in text and "Total TTC" in text
        width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
        assert abs(width - 595) <= 1 and abs(height - 842) <= 1  # A4, in points
    # A second run knows them: no page printed again, nothing new.
    second = run(load_recipe("printed"), url, tmp_path / "2", browser_config, CREDENTIALS,
                 known_keys={i.key for i in first.invoices})
    assert second.outcome == "OK", second.message
    assert (second.invoices, second.known) == ([], len(EXPECTED))
    assert [state.hits[f"page:{n}"] for n, *_ in printed.INVOICES] == [1, 1]


@pytest.mark.browser
def test_a_page_with_a_filled_password_field_is_never_printed(portal, browser_config, tmp_path):
    url, state = portal
    state.password_on_pages = True
    try:
        result = run(load_recipe("printed"), url, tmp_path, browser_config, CREDENTIALS)
    finally:
        state.password_on_pages = False
    assert result.outcome == "DOWNLOAD_FAILED", result.message
    assert "filled password field" in result.message and result.invoices == []
    assert not (tmp_path / "pdf").exists() or list((tmp_path / "pdf").iterdir()) == []


def test_recipe_check_wants_a_link_to_print(tmp_path):
    text = (RECIPES / "printed.yaml").read_text(encoding="utf-8")
    path = tmp_path / "printed.yaml"
    path.write_text(text.replace('print: {css: "a.voir-facture", attr: href}', 'print: {css: "a.voir-facture"}'),
                    encoding="utf-8")
    errors = [str(e) for e in load_file(path)[1]]
    assert len(errors) == 1 and ":20:9: invoices: field 'print': print takes the address" in errors[0], errors
