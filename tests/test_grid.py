"""Collections through a real Selenium Grid (tests/grid.py): the same invoices and byte-identical PDFs
as a local Chromium, with the session's and the browser's downloads."""

from __future__ import annotations

import time

import pytest

from backend.collectors.run import download
from tests.helpers import summary
from tests.portals import classic
from tests.portals.common import load_recipe, run
from tests.test_engine_portals import CLASSIC_CREDENTIALS, CLASSIC_EXPECTED, assert_pdfs

pytestmark = pytest.mark.browser


def test_a_collection_through_the_grid_downloads_through_the_session(classic_portal, grid, grid_browser, tmp_path):
    started = time.monotonic()
    result = run(load_recipe("classic", "classic"), classic_portal.url, tmp_path, grid_browser, CLASSIC_CREDENTIALS)
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == CLASSIC_EXPECTED
    assert_pdfs(result.invoices, classic.PDFS)
    print(f"collected through the Grid in {time.monotonic() - started:.1f} s")


def test_browser_downloads_come_back_from_the_node_byte_identical(classic_portal, grid, grid_browser, tmp_path,
                                                                   monkeypatch):
    fetched = []  # through the Grid's API, never a folder this machine shares with the node
    monkeypatch.setattr(download, "_own_download_folder", lambda *args: pytest.fail("a local download folder"))
    real_via_grid = download.via_grid
    monkeypatch.setattr(download, "via_grid", lambda ctx, invoice, url: (fetched.append(invoice.key),
                                                                         real_via_grid(ctx, invoice, url)))
    result = run(load_recipe("classic", "classic-browser"), classic_portal.url, tmp_path, grid_browser,
                 CLASSIC_CREDENTIALS)
    assert result.outcome == "OK", result.message
    assert summary(result.invoices) == CLASSIC_EXPECTED
    assert_pdfs(result.invoices, classic.PDFS)
    assert fetched == [number for number, *_ in classic.INVOICES if number in classic.PDFS]
