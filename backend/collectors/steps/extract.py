"""The `invoices` step: list invoices from HTML rows or a JSON answer, then fetch their PDFs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from backend.collectors.model import CollectionError, Invoice
from backend.collectors.run import download
from backend.collectors.run.context import Context
from backend.collectors.run.locators import alternatives, describe_locator, for_script
from backend.collectors.steps.filters import (
    SOURCE_KEYS,
    FilterError,
    apply_filters,
    clean_text,
    json_path,
    parse_amount,
    parse_currency,
    parse_date,
)
from backend.collectors.steps.inputs import click_element
from backend.collectors.steps.navigation import load as load_page
from backend.collectors.steps.page_scripts import PICK_NEXT_JS, READ_ROWS_JS, TURNED_JS
from backend.collectors.steps.registry import (
    TIMEOUT_LIMITS,
    Detail,
    FieldSpecs,
    Locator,
    Place,
    Reporter,
    Schema,
    check_locator,
)

STANDARD_FIELDS = ("id", "number", "date", "due_date", "amount", "currency", "pdf", "pdf_base64", "print", "detail")
PDF_FIELDS = ("pdf", "pdf_base64", "print")  # where an invoice's PDF comes from: one of them



def _script_options(locator: Any) -> list[list[str]]:
    """A locator (each of its alternatives) as the page scripts above take it."""
    return [for_script(option) for option in alternatives(locator)]


def _selectors(spec: dict) -> list[str] | None:
    """A field's css or xpath source as locators (each alternative of a list, in order), or None."""
    for source in ("css", "xpath"):
        if source in spec:
            return [f"{source}={option}" for option in alternatives(spec[source])]
    return None


def _html_plan(fields: dict) -> dict:
    plan = {}
    for name, spec in fields.items():
        selectors = _selectors(spec)
        if selectors:
            plan[name] = {"by": "options", "options": _script_options(selectors), "attr": spec.get("attr"),
                          "scope": spec.get("scope")}
        elif "value" not in spec:
            plan[name] = {"by": "self", "attr": spec.get("attr")}
    return plan


def _finish(ctx: Context, raw: dict, fields: dict, where: str, base_url: str) -> dict:
    """Apply each field's filters, in recipe order; templates (`value`) see earlier fields."""
    values: dict[str, Any] = {}
    base = {"base_url": base_url}
    for name, spec in fields.items():
        value = raw.get(name)
        if "value" in spec:
            outer = ctx.item
            ctx.item = {**(outer or {}), **values}
            try:
                value = ctx.render(spec["value"])
            finally:
                ctx.item = outer
        if isinstance(value, str) and not any(k in spec for k in ("regex", "replace", "map")):
            value = clean_text(value)
        if value in (None, "") and "default" in spec:
            value = spec["default"]
        if value in (None, ""):
            if name == "id" and not spec.get("optional"):
                raise CollectionError("RECIPE_BROKEN", f"{where}: field 'id' is empty")
            values[name] = None
            continue
        try:
            values[name] = apply_filters(value, spec, base)
        except FilterError as exc:
            if spec.get("optional"):
                values[name] = None
                continue
            raise CollectionError("RECIPE_BROKEN", f"{where}: field '{name}': {exc}") from None
    return values


def _to_invoice(values: dict, where: str) -> Invoice:
    try:
        date = parse_date(values["date"]) if values.get("date") is not None else None
        due = parse_date(values["due_date"]) if values.get("due_date") is not None else None
        amount = parse_amount(values["amount"]) if values.get("amount") is not None else None
        currency = values.get("currency")
        if currency is None and values.get("amount") is not None and isinstance(values["amount"], str):
            try:
                currency = parse_currency(values["amount"])
            except FilterError:
                currency = None
    except FilterError as exc:
        raise CollectionError("RECIPE_BROKEN", f"{where}: {exc}") from None
    extra = {k: str(v) for k, v in values.items() if k not in STANDARD_FIELDS and v is not None}
    return Invoice(key=str(values["id"]), number=str(values["number"]) if values.get("number") else None,
                   date=date, due_date=due, amount=amount, currency=currency or ("EUR" if amount is not None else None),
                   url=values.get("pdf") or values.get("print") or values.get("detail"), extra=extra)


def invoices(ctx: Context, *,
             fields: Annotated[FieldSpecs, "field name -> how to read it. `id` is required (the portal's own "
                               "invoice id); then number, date, due_date, amount, currency; the PDF: pdf (its link), "
                               "pdf_base64 (its content) or print (the invoice's own HTML page, printed to PDF); "
                               "detail (link to a detail page) and any extra field",
                               Schema(required=["id"])],
             items: Annotated[Locator | None, "HTML: one element per invoice (a table row, a card…)"] = None,
             from_: Annotated[str | None, "JSON: a variable (from fetch_json) and path to the list, e.g. bills.items"] = None,
             next_page: Annotated[Locator | None, "a 'next page' link or button, followed until it is gone"] = None,
             max_pages: Annotated[int, "stop after this many pages", Schema(minimum=1, maximum=1000)] = 50,
             next_page_by: Annotated[Literal["click", "link"], "click: click the next-page element as a user "
                                     "would; link: open the address of that <a href> (faster, for plain "
                                     "server-rendered links, not for single-page apps)"] = "click",
             detail: Annotated[Detail | None, "for portals where the PDF (or a field) is only on each invoice's "
                               "page: {fields: {...}, steps: [...]} run on the `detail` link of every new invoice"] = None,
             download: Annotated[Literal["session", "browser"], "session: fetch PDFs with the browser's cookies "
                                 "(fast); browser: let Chromium download them"] = "session",
             allow_empty: Annotated[bool, "an empty list is normal (else it is RECIPE_BROKEN)"] = False,
             empty_marker: Annotated[Locator | None, "an element shown when the account truly has no invoice"] = None,
             timeout: Annotated[float | None, "how long the first item may take to appear", TIMEOUT_LIMITS] = None) -> None:
    """List invoices, skip those already known, and save the PDF of each new one."""
    if bool(items) == bool(from_):
        raise CollectionError("RECIPE_BROKEN", "invoices needs exactly one of `items` (HTML) or `from` (JSON)")
    if "id" not in fields:
        raise CollectionError("RECIPE_BROKEN", "invoices needs an `id` field")
    rows: list[dict] = []
    if from_:
        data = json_path(ctx.vars, from_)
        if not isinstance(data, list):
            raise CollectionError("RECIPE_BROKEN", f"'{from_}' is not a JSON list")
        base_url = ctx.current_url
        for n, element in enumerate(data):
            element = element if isinstance(element, dict) else {"value": element}
            raw = {name: json_path(element, spec["path"]) if "path" in spec else None for name, spec in fields.items()}
            rows.append(_finish(ctx, raw, fields, f"{from_}[{n}]", base_url))
    else:
        rows = _read_html_pages(ctx, items, fields, next_page, max_pages, empty_marker, allow_empty, timeout,
                                next_page_by)
    if not rows and not allow_empty and not (empty_marker and ctx.find_all(empty_marker)):
        raise CollectionError("RECIPE_BROKEN", "the invoice list is empty: the portal's layout may have changed")
    ctx.lists_read += 1
    specs = {**fields, **((detail.get("fields") or {}) if detail else {})}
    pdf_optional = any(specs.get(name, {}).get("optional") for name in PDF_FIELDS)
    _collect(ctx, rows, detail, download, pdf_optional)


STRPTIME_DIRECTIVES = set("aAwdbBmyYHIpMSfzZjUWcxX%GuV")


def check_invoices(args: Mapping[str, Any], report: Reporter) -> None:
    """Exactly one of `items` (HTML) or `from` (JSON), then field specs that can work with it."""
    mode = "html" if args.get("items") else "json" if args.get("from") else None
    if ("items" in args) == ("from" in args):
        report.problem(None, "give exactly one of `items` (a locator: one element per invoice in the page) "
                             "or `from` (a JSON list read by fetch_json)")
    if mode == "json":
        for key in ("next_page", "empty_marker"):
            if key in args:
                report.problem(key, f"{key} only works with `items` (HTML)")
    _check_fields(report, args.get("fields"), mode, ("fields",), "")
    detail = args.get("detail")
    if isinstance(detail, dict):
        _check_fields(report, detail.get("fields"), "detail", ("detail", "fields"), "detail: ")


def _check_fields(report: Reporter, fields: Any, mode: str | None, at: tuple[str, ...], where: str) -> None:
    """Each field spec reads what the mode gives (HTML, JSON, a detail page); its regexes compile."""
    if not isinstance(fields, dict):
        return
    for field, spec in fields.items():
        if not isinstance(spec, dict):
            continue
        place: Place = (*at, field)
        label = f"{where}field '{field}'"
        sources = [k for k in SOURCE_KEYS if k in spec]
        if mode == "json" and any(k in spec for k in ("css", "xpath", "attr", "scope")):
            report.problem(place, f"{label}: css, xpath, attr and scope read HTML; with `from` (JSON) "
                                  f"use path (or value)")
        if mode == "html" and "path" in spec:
            report.problem(place, f"{label}: path reads JSON; with `items` (HTML) use css or xpath "
                                  f"(or nothing to read the item itself)")
        if not sources and "default" not in spec and mode in ("json", "detail"):
            report.problem(place, f"{label} needs a source: "
                                  f"{'path or value' if mode == 'json' else 'css, xpath, path or value'}")
        if mode != "json" and any(k in spec for k in ("attr", "scope")) and any(k in spec for k in ("path", "value")):
            report.problem(place, f"{label}: attr and scope go with css or xpath, not path or value")
        if field == "print" and mode != "json" and any(k in spec for k in ("css", "xpath")) and "attr" not in spec:
            report.problem(place, f"{label}: print takes the address of the invoice's page: read a link with "
                                  "attr: href (or give a value)")
        report.regex(place, spec.get("regex"), f"{label}: regex")
        if isinstance(spec.get("replace"), dict):
            for pattern in spec["replace"]:
                report.regex(place, pattern, f"{label}: replace")
        date = spec.get("date")
        if isinstance(date, str) and date != "auto" and "%" not in date:
            report.problem((*at, field, "date"), f"{label}: date takes 'auto' (or true) or a format such as "
                                                 f"'%d/%m/%Y', not '{date}'", at_value=True)
        elif isinstance(date, str) and date != "auto":
            wrong = sorted({d for d in re.findall(r"%(.?)", date) if d not in STRPTIME_DIRECTIVES})
            if wrong:
                report.problem((*at, field, "date"), f"{label}: date: {', '.join('%' + d for d in wrong)} is not a "
                                                     f"date directive (use %d, %m, %Y, %y, %b, %B, %H, %M…)",
                               at_value=True)
        for source in ("css", "xpath"):  # one selector, or alternatives tried in order
            check_locator(report, (*at, field, source), spec.get(source), source, f"{label}: {source}")


def _read_html_pages(ctx, items, fields, next_page, max_pages, empty_marker, allow_empty, timeout,
                     next_page_by="click") -> list[dict]:
    options = _script_options([ctx.render(option) for option in alternatives(items)])
    plan = _html_plan(fields)
    rows: list[dict] = []
    for page in range(1, max_pages + 1):
        def ready(driver: object) -> bool:
            return bool(ctx.find_all(items)) or bool(empty_marker and ctx.find_all(empty_marker))
        if page == 1 and (allow_empty or empty_marker):
            try:
                ctx.wait_until(ready, timeout, f"invoice items {describe_locator(items)}")
            except CollectionError as exc:
                if exc.code == "TIMEOUT" or not allow_empty:
                    raise
        elif page == 1:
            ctx.wait_until(ready, timeout, f"invoice items {describe_locator(items)}")
        read = ctx.driver.execute_script(READ_ROWS_JS, options, plan)
        raw_rows, base_url = read["rows"], read["url"]
        for n, raw in enumerate(raw_rows, 1):
            rows.append(_finish(ctx, raw, fields, f"page {page}, item {n}", base_url))
        ctx.progress(f"page {page}: {len(raw_rows)} invoices")
        if not next_page:
            break
        found = ctx.find_all(next_page)
        link = ctx.driver.execute_script(PICK_NEXT_JS, found, options) if found else None
        if not link:
            break
        if next_page_by == "link":
            address = ctx.driver.execute_script("return arguments[0].href || ''", link)
            if not address.startswith(("http://", "https://")):
                raise CollectionError("RECIPE_BROKEN", f"next_page_by: link needs {describe_locator(next_page)} to be an <a> with "
                                                       f"an address (it has '{address[:60]}'); use next_page_by: click")
            load_page(ctx, address)
        else:
            click_element(ctx, link, next_page, timeout)  # waits out an overlay fading away

        def turned(driver: object) -> bool:
            return bool(ctx.driver.execute_script(TURNED_JS, options))
        ctx.wait_until(turned, timeout, f"page {page + 1} of the invoice list")
    else:
        ctx.note(f"stopped after {max_pages} pages")
    return rows


def _collect(ctx: Context, rows: list[dict], detail: dict | None, how: str, pdf_optional: bool) -> None:
    moved = True  # the browser changed page since the last PDF: re-read its cookies and URL first
    for values in rows:
        invoice = _to_invoice(values, f"invoice {values.get('id')}")
        if invoice.key in ctx.listed_keys:  # listed twice (provisional + final, two pages…)
            continue
        ctx.listed_keys.add(invoice.key)
        if invoice.key in ctx.request.known_keys:
            ctx.known += 1
            continue
        want = ctx.request.want_pdf(invoice) if ctx.request.want_pdf else True
        if detail and (want or any(f not in PDF_FIELDS for f in detail.get("fields", {}))):
            extra = _visit(ctx, values, detail, f"detail of invoice {invoice.key}")
            values = {**values, **{k: v for k, v in extra.items() if v is not None}}
            invoice = _to_invoice(values, f"invoice {invoice.key}")
            moved = True
        to_print = values.get("print") if not values.get("pdf") and values.get("pdf_base64") is None else None
        if want and pdf_optional and not values.get("pdf") and values.get("pdf_base64") is None and not to_print:
            # Listed before its PDF exists: not returned, so the next run fetches it once it does.
            ctx.note(f"invoice {invoice.key} has no PDF yet; left for a later run")
            continue
        if want:
            try:
                if to_print:
                    _print_invoice_page(ctx, invoice, to_print)
                else:
                    download.fetch_pdf(ctx, invoice, how, values.get("pdf"), values.get("pdf_base64"), sync=moved)
                moved = bool(to_print)  # printing left the list for the invoice's page
            except CollectionError as exc:
                if exc.code != "DOWNLOAD_FAILED":
                    raise
                # Never an invoice without its PDF; the others still come, the run ends DOWNLOAD_FAILED.
                ctx.failed_downloads.append((invoice.key, exc.message, ctx.step_index, ctx.step_line))
                ctx.note(f"download failed: {exc.message}")
                continue
        ctx.invoices.append(invoice)
        if ctx.request.on_invoice:
            ctx.request.on_invoice(invoice)
        ctx.progress(f"invoice {invoice.key}")


def _print_invoice_page(ctx: Context, invoice: Invoice, url: str) -> None:
    """Open the invoice's own page, as `open` would (approved origins only), and print it."""
    ctx.gate.request(url, f"printing invoice {invoice.key} from")
    ctx.note(f"print {url}")
    load_page(ctx, url)
    download.print_page(ctx, invoice)


def _visit(ctx: Context, values: dict, detail: dict, where: str) -> dict:
    """Open an invoice's detail page (if it has a `detail` link), run its steps, read its fields."""
    outer = ctx.item
    ctx.item = {**(outer or {}), **{k: v for k, v in values.items() if v is not None}}
    try:
        if values.get("detail"):
            load_page(ctx, values["detail"])
        ctx.run_steps(detail.get("steps") or [])
        fields = detail.get("fields") or {}
        raw: dict[str, Any] = {}
        for name, spec in fields.items():
            if "path" in spec:
                raw[name] = json_path(ctx.vars, spec["path"])
            elif (locator := _selectors(spec)) is not None:
                if not spec.get("optional") and "default" not in spec:
                    ctx.find(locator, None)
                found = ctx.find_all(locator)
                if found:
                    attr = spec.get("attr")
                    raw[name] = (found[0].get_property(attr) if attr in ("href", "src") else
                                 found[0].get_attribute(attr)) if attr else found[0].get_attribute("textContent")
        return _finish(ctx, raw, fields, where, ctx.current_url)
    finally:
        ctx.item = outer
