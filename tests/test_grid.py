"""Collections through a real Selenium Grid (tests/grid.py): the same invoices and byte-identical PDFs
as a local Chromium, with the session's and the browser's downloads."""

from __future__ import annotations

import time

import pytest

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
