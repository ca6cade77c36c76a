"""`recipe check` on an `invoices` step (issue 16): it reads either HTML items or a JSON list,
never both and never neither, and each field spec must read what that source gives. Each
problem is reported at its FILE:LINE:COL with the words the recipe writer sees."""

from __future__ import annotations

from backend.collectors.language.catalog import load_text
from tests.test_validator import HEADER

FETCH = '      - fetch_json: {url: "{{ urls.portal }}/api", save_as: bills}\n'
ONE_OF = ("invoices: give exactly one of `items` (a locator: one element per invoice in the page) "
          "or `from` (a JSON list read by fetch_json)")


def problems(steps: str) -> list[str]:
    providers, errors = load_text(HEADER + steps, "acme.yaml")
    assert providers == [] or errors == []
    return [str(error) for error in errors]


def test_both_items_and_from_is_refused_at_the_step():
    assert problems(FETCH + "      - invoices:\n          items: tr\n          from: bills.items\n"
                            "          fields:\n            id: {css: td}\n") == [f"acme.yaml:15:9: {ONE_OF}"]


def test_neither_items_nor_from_is_refused_too():
    assert problems("      - invoices:\n          fields:\n            id: {css: td}\n") == [f"acme.yaml:14:9: {ONE_OF}"]


def test_html_pages_options_are_refused_with_a_json_list():
    assert problems(FETCH + "      - invoices:\n          from: bills.items\n          next_page: a.next\n"
                            "          empty_marker: p.none\n          fields:\n            id: {path: id}\n") == [
        "acme.yaml:17:11: invoices: next_page only works with `items` (HTML)",
        "acme.yaml:18:11: invoices: empty_marker only works with `items` (HTML)"]
    assert problems("      - invoices:\n          items: tr\n          next_page: a.next\n          empty_marker: p.none\n"
                    "          fields:\n            id: {css: td}\n") == []


def test_each_field_reads_what_the_source_gives():
    assert problems(FETCH + "      - invoices:\n          from: bills.items\n          fields:\n"
                            "            id: {css: td}\n") == [
        "acme.yaml:18:13: invoices: field 'id': css, xpath, attr and scope read HTML; with `from` (JSON) "
        "use path (or value)"]
    assert problems("      - invoices:\n          items: tr\n          fields:\n            id: {path: id}\n") == [
        "acme.yaml:17:13: invoices: field 'id': path reads JSON; with `items` (HTML) use css or xpath "
        "(or nothing to read the item itself)"]


def test_a_detail_pages_fields_are_checked_as_such():
    assert problems("      - invoices:\n          items: tr\n          fields:\n            id: {css: td}\n"
                    "          detail:\n            steps: []\n            fields:\n              amount: {regex: x}\n") == [
        "acme.yaml:21:15: invoices: detail: field 'amount' needs a source: css, xpath, path or value"]
