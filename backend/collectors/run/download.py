"""Fetch an invoice's PDF, through the session (fast) or the browser's download folder."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import time
from pathlib import Path
from typing import Any

import requests
import urllib3
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.print_page_options import PrintOptions

from backend.collectors.model import CollectionError, Invoice
from backend.collectors.run.context import Context
from backend.collectors.run.session import session

MAX_PDF_BYTES = 50_000_000
RESYNC_AFTER = 30.0


def is_pdf(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf\r\n\t ")[:5] == b"%PDF-"


def safe_name(key: str) -> str:
    """A file name part from an invoice key; a key that is itself a file name loses its '.pdf'
    (not 'Facture_2024-03.pdf-ed5e86cfcb3c.pdf')."""
    stem = re.sub(r"\.pdf$", "", key.strip(), flags=re.IGNORECASE)
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:120] or "invoice"


def _store(ctx: Context, invoice: Invoice, data: bytes, source: str) -> None:
    if not is_pdf(data[:1024]):
        html = b"<html" in data[:2048].lower() or b"<!doctype" in data[:2048].lower()
        kind = "an HTML page" if html else "an empty file" if not data else "a file that is not a PDF"
        raise CollectionError("DOWNLOAD_FAILED", f"invoice {invoice.key}: {source} returned {kind}, not a PDF"
                              if html or not data else f"invoice {invoice.key}: {source} returned {kind}")
    digest = hashlib.sha256(data).hexdigest()
    out = Path(ctx.request.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{safe_name(invoice.key)}-{digest[:12]}.pdf"
    partial = target.with_suffix(".part")
    # Write then rename: a crash never leaves half a PDF. No fsync: whoever keeps the file makes
    # its own durable copy (the server's Store.keep_pdf fsyncs); here it cost ~7 % of a collection.
    with open(partial, "wb") as handle:
        handle.write(data)
    os.replace(partial, target)
    invoice.pdf_path, invoice.sha256, invoice.size = target, digest, len(data)


def _synced_session(ctx: Context, sync: bool) -> tuple[requests.Session, str]:
    """The HTTP session and Referer for a PDF. Copying the browser's cookies costs two WebDriver
    round trips (~12 ms), more than a small PDF: done once per batch, again when the browser
    changed page (sync) or every RESYNC_AFTER seconds (cookies a page's scripts renew)."""
    last = ctx.pdf_sync  # (monotonic time, Referer) of the last copy
    if sync or last is None or ctx.http_session is None or time.monotonic() - last[0] > RESYNC_AFTER:
        http = session(ctx)
        last = ctx.pdf_sync = (time.monotonic(), ctx.current_url)
        return http, last[1]
    return ctx.http_session, last[1]


def via_session(ctx: Context, invoice: Invoice, url: str, sync: bool = True) -> None:
    http, referer = _synced_session(ctx, sync)
    try:
        response = http.get(url, timeout=ctx.timeout(None) * 3, stream=True,
                            headers={"Referer": referer, "Accept": "application/pdf,*/*"})
        data = _read_body(ctx, invoice, response)
    except (requests.Timeout, urllib3.exceptions.ReadTimeoutError):
        raise CollectionError("TIMEOUT", f"invoice {invoice.key}: the download did not finish in time") from None
    except requests.ConnectionError:
        raise CollectionError("PROVIDER_DOWN", f"invoice {invoice.key}: cannot reach {url}") from None
    except (requests.RequestException, urllib3.exceptions.HTTPError):
        # The portal dropped the connection mid-file (or sent a broken encoding): this invoice only.
        raise CollectionError("DOWNLOAD_FAILED", f"invoice {invoice.key}: the connection broke during "
                                                 "the download") from None
    if ctx.diagnosis:
        ctx.diagnosis.status(ctx, response.status_code)
    if response.status_code >= 400:
        raise CollectionError("DOWNLOAD_FAILED", f"invoice {invoice.key}: HTTP {response.status_code}")
    _store(ctx, invoice, data, "the link")


def _read_body(ctx: Context, invoice: Invoice, response: requests.Response) -> bytes:
    """At most MAX_PDF_BYTES, and never past the run's deadline. Each read returns what has arrived
    (read1), so a portal sending a byte now and then — which never trips the socket timeout, and
    keeps a sized read() waiting for ever — is cut off when the run's time is up."""
    raw = response.raw
    read = getattr(raw, "read1", None) or raw.read  # urllib3 < 2 has no read1
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > ctx.deadline:
            response.close()
            raise CollectionError("TIMEOUT", f"invoice {invoice.key}: the download did not finish within "
                                             "the run's time limit")
        chunk = read(65536, decode_content=True)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_PDF_BYTES:
            response.close()
            raise CollectionError("DOWNLOAD_FAILED",
                                  f"invoice {invoice.key}: file larger than {MAX_PDF_BYTES // 1_000_000} MB")
        chunks.append(chunk)


def _own_download_folder(ctx: Context, invoice: Invoice) -> Path:
    """A fresh folder per invoice, so that a download which starts late (after its invoice gave
    up) can never be taken for the next invoice's PDF."""
    root = Path(ctx.download_dir)
    ctx.browser_downloads += 1
    folder = root / f"{ctx.browser_downloads:05d}-{safe_name(invoice.key)[:40]}"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        ctx.driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                                   {"behavior": "allow", "downloadPath": str(folder)})
    except (WebDriverException, AttributeError):  # a remote browser without CDP: the shared folder
        return root
    return folder


def _is_complete(name: str) -> bool:
    """Not one of Chromium's files for a download under way, nor a hidden one."""
    return not name.endswith((".crdownload", ".tmp")) and not name.startswith(".")


def _click_download(ctx: Context, url: str) -> None:
    # A link with `download` keeps the current page (the list) where it is.
    ctx.driver.execute_script("const a = document.createElement('a'); a.href = arguments[0];"
                              "a.download = ''; document.body.appendChild(a); a.click(); a.remove();", url)


def _managed_downloads(ctx: Context) -> bool:
    """A Grid node that keeps the browser's downloads and hands them over through its API."""
    return bool(ctx.request.browser.remote_url and ctx.driver.capabilities.get("se:downloadsEnabled"))


def via_grid(ctx: Context, invoice: Invoice, url: str) -> None:
    """`download: browser` on a Grid node: the file stays on the node (rarely this machine's disk) until
    fetched through the Grid (managed downloads). The node has one download folder per session, emptied
    before each invoice so that only this invoice's file can appear in it."""
    driver = ctx.driver
    driver.delete_downloadable_files()
    _click_download(ctx, url)

    def finished(driver: Any) -> str | bool:
        return next((name for name in driver.get_downloadable_files() if _is_complete(name)), False)
    name = ctx.wait_until(finished, ctx.timeout(None) * 3, f"the download of invoice {invoice.key} on the Grid's node",
                          code="DOWNLOAD_FAILED")
    ctx.browser_downloads += 1
    folder = Path(ctx.download_dir) / f"{ctx.browser_downloads:05d}-grid"
    folder.mkdir(parents=True, exist_ok=True)
    driver.download_file(name, str(folder))
    driver.delete_downloadable_files()
    _store(ctx, invoice, _read_download(invoice, folder / os.path.basename(name)), "the browser download")


def _read_download(invoice: Invoice, path: Path) -> bytes:
    if path.stat().st_size > MAX_PDF_BYTES:
        raise CollectionError("DOWNLOAD_FAILED", f"invoice {invoice.key}: file too large")
    data = path.read_bytes()
    path.unlink()
    return data


def via_browser(ctx: Context, invoice: Invoice, url: str) -> None:
    """Let Chromium download the file (portals that bind downloads to browser state)."""
    if _managed_downloads(ctx):
        via_grid(ctx, invoice, url)
        return
    folder = _own_download_folder(ctx, invoice)
    before = set(os.listdir(folder))
    _click_download(ctx, url)

    def finished(driver: object) -> Path | bool:
        for name in set(os.listdir(folder)) - before:
            if _is_complete(name):
                path = folder / name
                if path.stat().st_size > 0:
                    return path
        return False
    where = (" (the remote browser saves files on its own machine: on a Selenium Grid, enable its managed "
             "downloads, enable-managed-downloads = true in the node's configuration)"
             if ctx.request.browser.remote_url else "")
    path = ctx.wait_until(finished, ctx.timeout(None) * 3, f"the download of invoice {invoice.key}{where}",
                          code="DOWNLOAD_FAILED")
    _store(ctx, invoice, _read_download(invoice, path), "the browser download")


def from_base64(ctx: Context, invoice: Invoice, content: str) -> None:
    try:
        data = base64.b64decode(content, validate=False)
    except (ValueError, TypeError):
        raise CollectionError("DOWNLOAD_FAILED", f"invoice {invoice.key}: file content is not base64") from None
    _store(ctx, invoice, data, "the API")


# Never print a page showing a secret: a filled password field (masked on screen, but a value
# nonetheless), or a secret of the run in its text or fields (same-origin frames too).
SECRET_SHOWN_JS = """
const secrets = arguments[0];
function shown(doc) {
  const fields = Array.from(doc.querySelectorAll('input, textarea'));
  if (fields.some(f => f.type === 'password' && f.value)) return 'a filled password field';
  const text = (doc.body ? doc.body.innerText : '') + '\\n' + fields.map(f => f.value).join('\\n');
  if (secrets.some(s => text.includes(s))) return "one of the account's secrets";
  for (const frame of doc.querySelectorAll('iframe, frame')) {
    try { const found = frame.contentDocument && shown(frame.contentDocument); if (found) return found; }
    catch (e) { /* another origin: out of reach */ }
  }
  return null;
}
return shown(document);
"""
A4_INCHES = {"paperWidth": 8.27, "paperHeight": 11.69}


def print_page(ctx: Context, invoice: Invoice) -> None:
    """Save the current page (the invoice's own) as its PDF: Chromium's Page.printToPDF, A4 with
    backgrounds; a Grid without CDP prints through WebDriver's own Print command."""
    ctx.driver.switch_to.default_content()
    exposed = ctx.driver.execute_script(SECRET_SHOWN_JS, sorted(ctx.secrets, key=len, reverse=True))
    if exposed:
        raise CollectionError("DOWNLOAD_FAILED", f"invoice {invoice.key}: its page shows {exposed}: not printed")
    try:
        printed = ctx.driver.execute_cdp_cmd("Page.printToPDF", {**A4_INCHES, "printBackground": True})["data"]
    except AttributeError:  # webdriver.Remote has no CDP command
        options = PrintOptions()
        options.page_width, options.page_height, options.background = 21.0, 29.7, True
        printed = ctx.driver.print_page(options)
    _store(ctx, invoice, base64.b64decode(printed), "the printed page")


def fetch_pdf(ctx: Context, invoice: Invoice, how: str, url: str | None, content: str | None,
              sync: bool = True) -> None:
    """Save one PDF; sync=False reuses the cookies copied for the previous PDF (same page)."""
    started = time.monotonic()
    if url:
        ctx.gate.carrying(url, what="a PDF download from")
    if content is not None:
        from_base64(ctx, invoice, content)
    elif not url:
        raise CollectionError("RECIPE_BROKEN", f"invoice {invoice.key} has no pdf link (nor pdf_base64, nor a "
                                               "page to print): give one of them, or optional: true")
    elif how == "browser":
        via_browser(ctx, invoice, url)
    else:
        via_session(ctx, invoice, url, sync)
    ctx.note(f"saved {invoice.key} ({invoice.size} bytes, {time.monotonic() - started:.2f}s)")
