"""The scripts the `invoices` step runs in the page: each reads what it needs in one round trip
(every field of every row; the next-page link; whether the page turned)."""

# Elements for a locator given as alternatives [[kind, selector], …] (run/locators.for_script): those
# of the first alternative that finds any. `host >> inner` goes into open shadow roots (run/context.py's
# rule): the first part by its kind, each next part a CSS selector inside the shadow roots found.
ALL_JS = """
function one(by, sel, root) {
  const [first, ...inner] = sel.split('>>').map(part => part.trim());
  let found;
  if (by === 'xpath') {
    const r = document.evaluate(first, root, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
    found = []; for (let i = 0; i < r.snapshotLength; i++) found.push(r.snapshotItem(i));
  } else {
    found = Array.from(root.querySelectorAll(first));
  }
  for (const part of inner) {
    found = found.flatMap(host => host.shadowRoot ? Array.from(host.shadowRoot.querySelectorAll(part)) : []);
  }
  return found;
}
function all(options, root) {
  for (const [by, sel] of options) {
    const found = one(by, sel, root);
    if (found.length) return found;
  }
  return [];
}
"""

# One round trip per page: read every field of every row in the browser.
READ_ROWS_JS = ALL_JS + """
const [items, fields] = arguments;
function read(el, attr) {
  if (!el) return null;
  if (!attr) return el.textContent;
  if ((attr === 'href' || attr === 'src' || attr === 'action') && el[attr]) return String(el[attr]);
  return el.getAttribute(attr);
}
const rows = all(items, document).map(row => {
  const out = {};
  for (const [name, f] of Object.entries(fields)) {
    if (f.by === 'self') { out[name] = read(row, f.attr); continue; }
    const found = all(f.options, f.scope === 'page' ? document : row);
    out[name] = found.length ? read(found[0], f.attr) : null;
  }
  return out;
});
return {rows: rows, url: location.href};  // the URL resolves relative links: no second round trip
"""

# The first visible, enabled, not aria-/class-disabled "next" link. The current first item is kept
# on `window`: a new document has no such property, and in a single-page app the old item leaves
# the DOM: either way TURNED_JS then sees the next page (one round trip per poll).
PICK_NEXT_JS = """
const [links, items] = arguments;
const link = links.find(e => e.checkVisibility({opacityProperty: true, visibilityProperty: true})
  && !e.disabled && e.getAttribute('aria-disabled') !== 'true' && !(e.getAttribute('class') || '').includes('disabled'));
if (!link) return null;
window.__icTurn = {first: firstItem(items)};
return link;
"""

TURNED_JS = """
const [items] = arguments;
const old = window.__icTurn;
if (old && (old.first === null || old.first.isConnected)) return false;
return firstItem(items) !== null;
"""

FIRST_ITEM_JS = ALL_JS + """
function firstItem(items) {
  return all(items, document)[0] || null;
}
"""
PICK_NEXT_JS = FIRST_ITEM_JS + PICK_NEXT_JS
TURNED_JS = FIRST_ITEM_JS + TURNED_JS
