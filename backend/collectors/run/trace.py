"""A failed run leaves a trace folder: the step and its YAML line, a screenshot, the page
HTML with secrets masked, and the step log. Everything is redacted before it touches disk,
the screenshot's pixels included."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from selenium.common.exceptions import NoSuchFrameException

from backend.collectors.run.context import Context
from backend.redact import MASK

# Values the browser keeps in the DOM for typed fields: mask every password input's value.
PASSWORD_VALUE = re.compile(r'(<input[^>]*type=["\']?password["\']?[^>]*value=["\'])([^"\']*)', re.I)


# Before the screenshot: a portal that echoes what was typed ("wrong password: …") would show it
# in pixels, which no text redaction reaches. Every text and field holding a secret is masked in
# the page itself (and in its same-origin frames; a cross-origin frame's document is out of
# reach), password fields are emptied.
SCRUB_JS = """
const [secrets, mask] = arguments;
const clean = (text) => secrets.reduce((t, s) => t.split(s).join(mask), text);
function scrub(doc) {
  const walker = doc.createTreeWalker(doc.documentElement, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = clean(node.nodeValue);
    if (text !== node.nodeValue) node.nodeValue = text;
  }
  for (const field of doc.querySelectorAll('input, textarea')) {
    if (field.type === 'password') field.value = '';
    else if (clean(field.value) !== field.value) field.value = clean(field.value);
  }
  for (const frame of doc.querySelectorAll('iframe, frame')) {
    try { if (frame.contentDocument) scrub(frame.contentDocument); } catch (e) { /* another origin */ }
  }
}
scrub(document);
"""


def write_trace(ctx: Context, root: Path, code: str, message: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    folder = Path(root) / f"{ctx.provider.id}-{stamp}"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = {"provider": ctx.provider.id, "outcome": code, "message": ctx.redact(message),
            "step_index": ctx.step_index, "step": ctx.step_name, "line": ctx.step_line,
            "recipe": ctx.provider.source.file if ctx.provider.source else None, "url": None}
    try:
        info["url"] = ctx.redact(ctx.current_url)
        html = _page_html(ctx)
        html = PASSWORD_VALUE.sub(lambda m: m.group(1) + MASK, ctx.redact(html or ""))
        (folder / "page.html").write_text(html, encoding="utf-8")
        ctx.driver.switch_to.default_content()
        ctx.driver.execute_script(SCRUB_JS, sorted(ctx.secrets, key=len, reverse=True), MASK)
        ctx.driver.save_screenshot(str(folder / "screenshot.png"))
    except Exception as exc:  # noqa: BLE001 — the browser may be the thing that died; keep what we have
        info["capture_error"] = ctx.redact(f"{type(exc).__name__}: {exc}")[:500]
    (folder / "step.json").write_text(json.dumps(info, indent=2, ensure_ascii=False), encoding="utf-8")
    (folder / "log.txt").write_text("\n".join(ctx.redact(line) for line in ctx.log.lines) + "\n", encoding="utf-8")
    return folder


def _page_html(ctx: Context) -> str:
    try:
        return _html_of_current_frame(ctx)
    except NoSuchFrameException:  # the frame the run was in has gone: the whole page says more
        ctx.driver.switch_to.default_content()
        return _html_of_current_frame(ctx)


def _html_of_current_frame(ctx: Context) -> str:
    return ctx.driver.execute_script(
        "const c = document.documentElement.cloneNode(true);"
        "for (const i of c.querySelectorAll('input')) {"
        "  const live = i.type === 'password' ? '' : null; if (live !== null) i.setAttribute('value', '');"
        "}"
        "return '<!DOCTYPE html>' + c.outerHTML;")
