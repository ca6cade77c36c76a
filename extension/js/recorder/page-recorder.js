// Injected by the panel (chrome.scripting) into the supplier's tab while a recipe is recorded.
// It turns what the user does into events for the panel: the element acted on, as several
// locators (best first), and what was done. A classic script, not a module: injected files run
// as scripts. It holds no text to show: the panel says everything.
//
// Secrets: the value typed into a password, login or one-time code field never leaves this page.
// Only the fact that such a field was filled is sent; the recipe then types {{ password }}…

(() => {
  if (globalThis.invoiceCollectorRecorder) return; // injected again into the same document
  globalThis.invoiceCollectorRecorder = true;

  const MAX_LOCATORS = 4;
  const MAX_TEXT = 40;
  const DATA_HOOKS = ['data-testid', 'data-test', 'data-qa', 'data-cy', 'data-id', 'data-action'];
  const LOGIN_HINT = /(^|[^a-z])(login|user(name)?|e-?mail|identifi|account|compte|client)/i;
  const PASSWORD_HINT = /(pass|pwd|mdp|secret|pin\b)/i;
  const CODE_HINT = /(otp|one.?time|totp|2fa|mfa|sms|verification|code)/i;
  const BANNER_HINT = /(cookie|consent|didomi|gdpr|rgpd|onetrust|axeptio|tarteaucitron|cmp)/i;
  // « Afficher plus » adds rows below the ones shown; « page suivante » replaces them.
  const SHOW_MORE = /(plus|more|davantage|charger|load|autres|others)/i;
  const NEXT = /(suivant|next|›|»|→)/i;
  const CLICKABLE = 'a[href], button, input[type=submit], input[type=button], input[type=image], [role=button], summary, label';
  // An id made by a framework (ember123, a uuid, long digit runs) changes at each visit: not a hook.
  const GENERATED_ID = /\d{4,}|[0-9a-f]{8}-[0-9a-f]{4}|^(ember|react|ng-|mui-|radix-|headlessui-|:r)/i;

  let picking = null; // the invoice field the panel asked the user to click, or null
  let items = null; // the rows' selector, once the first field was picked
  let submitClicked = false;

  const inFrame = window !== window.top;
  // Every action says in which frame it happened (null: the page itself), for `switch_frame`.
  const send = (event) => chrome.runtime.sendMessage({ type: 'recorder-event', event: { frame: frame(), ...event } })
    .catch(() => {});

  /** The iframe this page is in, as locators in its parent; from its own address when cross-origin. */
  function frame() {
    if (!inFrame) return null;
    const element = window.frameElement; // null across origins
    const found = [];
    if (element && element.id && cssIdent(element.id)) found.push(`iframe#${element.id}`);
    if (element && element.name) found.push(`iframe[name=${quoted(element.name)}]`);
    const source = element ? element.getAttribute('src') : location.pathname;
    if (source) found.push(`iframe[src*=${quoted(source)}]`);
    return found.length ? found : ['iframe'];
  }

  const cssIdent = (text) => /^[A-Za-z_][\w-]*$/.test(text);
  const quoted = (text) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const countIn = (root, css) => { try { return root.querySelectorAll(css).length; } catch (e) { return 0; } };
  const unique = (css, root = document) => countIn(root, css) === 1;
  const visibleText = (element) => (element.innerText || element.value || '').replace(/\s+/g, ' ').trim();
  const stableClasses = (element) => [...element.classList].filter((name) => cssIdent(name) && !/\d{3,}/.test(name)
    && !/^(active|hover|focus|selected|disabled|is-|has-)/.test(name));

  /** One step of a CSS path: the tag, a stable class when it narrows, the position among same tags. */
  function pathStep(element) {
    const tag = element.tagName.toLowerCase();
    if (element.id && cssIdent(element.id) && !GENERATED_ID.test(element.id)) return `#${element.id}`;
    const parent = element.parentElement;
    const classes = stableClasses(element);
    if (!parent) return tag;
    const sameTag = [...parent.children].filter((child) => child.tagName === element.tagName);
    if (sameTag.length === 1) return tag;
    for (const name of classes) {
      if (sameTag.filter((child) => child.classList.contains(name)).length === 1) return `${tag}.${name}`;
    }
    return `${tag}:nth-of-type(${sameTag.indexOf(element) + 1})`;
  }

  /** The shortest path of steps up the page that finds only `element` (from an id when one is near). */
  function shortPath(element) {
    const parts = [];
    for (let node = element; node && node !== document.body; node = node.parentElement) {
      parts.unshift(pathStep(node));
      const css = parts.join(' > ');
      if (unique(css)) return css;
      if (parts[0].startsWith('#')) return null; // an id found twice: no sure path from it
    }
    return null;
  }

  /** The full path from the nearest ancestor with a stable id: longer, but it says where the element is. */
  function anchoredPath(element) {
    const parts = [];
    for (let node = element; node && node !== document.body; node = node.parentElement) {
      parts.unshift(pathStep(node));
      if (parts[0].startsWith('#')) return unique(parts.join(' > ')) ? parts.join(' > ') : null;
    }
    return null;
  }

  function textLocator(element) {
    const text = visibleText(element);
    // {{ would read as a template in the recipe (a page showing unrendered template syntax).
    if (!text || text.length > MAX_TEXT || text.includes('\n') || text.includes('{{')) return null;
    return element.tagName === 'A' ? `link=${text}` : `text=${text}`;
  }

  /** Locators that find `element` alone in the page, best first (id, name, data-*, CSS path, text). */
  function locatorsFor(element, { withText = true } = {}) {
    const tag = element.tagName.toLowerCase();
    const found = [];
    const add = (css) => { if (css && !found.includes(css) && unique(css)) found.push(css); };
    if (element.id && !GENERATED_ID.test(element.id)) add(cssIdent(element.id) ? `#${element.id}` : `[id=${quoted(element.id)}]`);
    const name = element.getAttribute('name');
    if (name) add(`${tag}[name=${quoted(name)}]`);
    for (const hook of DATA_HOOKS) if (element.hasAttribute(hook)) add(`[${hook}=${quoted(element.getAttribute(hook))}]`);
    if (tag === 'a' && element.getAttribute('rel')) add(`a[rel=${quoted(element.getAttribute('rel'))}]`);
    const form = element.form || element.closest('form');
    if (form && element.type === 'submit') {
      const formPath = form.id && cssIdent(form.id) ? `form#${form.id}` : shortPath(form);
      if (formPath) add(`${formPath} ${tag}[type=submit]`);
    }
    add(shortPath(element));
    const result = found.slice(0, withText ? MAX_LOCATORS - 1 : MAX_LOCATORS);
    const text = withText ? textLocator(element) : null;
    if (text) result.push(text);
    return result;
  }

  function describe(element) {
    return { tag: element.tagName.toLowerCase(), text: visibleText(element).slice(0, MAX_TEXT) };
  }

  /** What a field holds, as a kind: never its value for a secret. */
  function fieldKind(input) {
    const hints = [input.name, input.id, input.getAttribute('autocomplete'), input.getAttribute('aria-label'),
      input.placeholder].filter(Boolean).join(' ');
    // A password in disguise: a text field masked by CSS, or named or marked as one. Its value must not leave either.
    const masked = getComputedStyle(input).webkitTextSecurity;
    if (input.type === 'password' || (masked && masked !== 'none') || /-password$/.test(input.getAttribute('autocomplete') || '')
      || PASSWORD_HINT.test(`${input.name} ${input.id}`)) return 'password';
    if (input.getAttribute('autocomplete') === 'one-time-code' || (CODE_HINT.test(hints) && !LOGIN_HINT.test(hints))) return 'code';
    const form = input.form || input.closest('form');
    const besidePassword = form && form.querySelector('input[type=password]');
    if (input.type === 'email' || /username|email/.test(input.getAttribute('autocomplete') || '')
      || LOGIN_HINT.test(hints) || besidePassword) return 'login';
    return 'text';
  }

  /** What the page calls a field (its label, else its aria-label or placeholder), for the panel's step list. */
  function fieldLabel(element) {
    const label = element.labels && element.labels[0] ? visibleText(element.labels[0]) : '';
    const text = label || element.getAttribute('aria-label') || element.placeholder || '';
    return text.replace(/\s+/g, ' ').trim().slice(0, MAX_TEXT);
  }

  // Only what the person did: a page's own scripts setting values or submitting forms are not steps.
  function onChange(event) {
    const element = event.target;
    if (picking || !event.isTrusted || !(element instanceof HTMLElement)) return;
    const label = fieldLabel(element);
    if (element.tagName === 'SELECT') {
      send({ action: 'select', locators: locatorsFor(element, { withText: false }), option: element.selectedOptions[0]?.text.trim() || '', label });
    } else if (element.type === 'checkbox') {
      send({ action: 'check', locators: locatorsFor(element, { withText: false }), checked: element.checked, label });
    } else if (element.tagName === 'TEXTAREA' || (element.tagName === 'INPUT' && !['radio', 'submit', 'button', 'file'].includes(element.type))) {
      const kind = fieldKind(element);
      const event_ = { action: 'fill', kind, locators: locatorsFor(element, { withText: false }), label };
      if (kind === 'text') event_.value = element.value; // an ordinary field (a customer number…)
      send(event_);
    }
  }

  function onClick(event) {
    if (picking) {
      pick(event);
      return;
    }
    if (!event.isTrusted || !(event.target instanceof Element)) return;
    const target = event.target.closest(CLICKABLE);
    if (!target || target.matches('input:not([type=submit]):not([type=button]):not([type=image]), select, textarea')) return;
    if (target.tagName === 'LABEL' && target.control) return; // its field's change event says what happened
    const banner = [...ancestors(target)].some((node) => BANNER_HINT.test(`${node.id} ${node.className}`));
    if (target.type === 'submit') submitClicked = true;
    send({ action: 'click', banner, locators: locatorsFor(target), ...describe(target), to: otherSite(target) });
  }

  /** The other web site a link or a form's button leads to (its origin only: an address may carry a token), or null. */
  function otherSite(target) {
    const address = target.tagName === 'A' ? target.href : target.form && target.type === 'submit' ? target.form.action : '';
    try {
      const url = new URL(address);
      return ['http:', 'https:'].includes(url.protocol) && url.origin !== location.origin ? url.origin : null;
    } catch {
      return null;
    }
  }

  function onSubmit(event) {
    if (!submitClicked && event.isTrusted && event.target instanceof HTMLFormElement) {
      send({ action: 'submit', locators: locatorsFor(event.target, { withText: false }) }); // Enter in a field
    }
    submitClicked = false;
  }

  function* ancestors(element) {
    for (let node = element; node && node !== document.body; node = node.parentElement) yield node;
  }

  // ---- the invoice list ----------------------------------------------------------------------
  /** The row: the nearest ancestor whose siblings of the same tag hold the same kind of element. */
  function rowOf(element) {
    for (let node = element.parentElement, child = element; node && node !== document.body; child = node, node = node.parentElement) {
      const relative = relativePath(element, node);
      if (!relative) continue;
      const parent = node.parentElement;
      if (!parent) break;
      const alike = [...parent.children].filter((sibling) => sibling.tagName === node.tagName
        && sibling.querySelector(`:scope > ${relative}`));
      if (alike.length >= 2) return node;
    }
    return null;
  }

  function relativePath(element, row) {
    const parts = [];
    for (let node = element; node && node !== row; node = node.parentElement) parts.unshift(pathStep(node).replace(/^#.*/, node.tagName.toLowerCase()));
    return parts.join(' > ');
  }

  function rowSelector(row) {
    const tag = row.tagName.toLowerCase();
    const siblings = [...row.parentElement.children].filter((sibling) => sibling.tagName === row.tagName);
    const shared = stableClasses(row).filter((name) => siblings.every((sibling) => sibling.classList.contains(name)));
    const self = tag + shared.map((name) => `.${name}`).join('');
    const found = [];
    for (const parent of [anchoredPath(row.parentElement), ...locatorsFor(row.parentElement, { withText: false })]) {
      if (!parent) continue;
      const css = `${parent} > ${self}`;
      if (countIn(document, css) === siblings.length && !found.includes(css)) found.push(css);
    }
    return found;
  }

  /** Within a row: a stable class when it finds the element alone, then its path. */
  function fieldLocators(element, row) {
    const found = [];
    const tag = element.tagName.toLowerCase();
    for (const name of stableClasses(element)) {
      if (row.querySelectorAll(`${tag}.${name}`).length === 1) { found.push(`${tag}.${name}`); break; }
    }
    const path = relativePath(element, row);
    if (path && !found.includes(path)) found.push(path);
    return found;
  }

  function readField(row, locators, attribute) {
    for (const css of locators) {
      const element = row.querySelector(css);
      if (element) return attribute ? element.getAttribute(attribute) || '' : visibleText(element);
    }
    return '';
  }

  function pick(event) {
    const field = picking;
    let element = event.target instanceof Element ? event.target : null;
    const link = element && element.closest('a[href]');
    // The link to an invoice's own page is followed, for real: its PDF is picked there next.
    if (!(field === 'detail' && link)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
    picking = null;
    document.documentElement.classList.remove('invoice-collector-picking');
    if (!element) return;
    if (field === 'next_page') {
      element = element.closest(CLICKABLE) || element;
      const text = visibleText(element);
      send({ action: 'picked', field, locators: locatorsFor(element), mode: SHOW_MORE.test(text) && !NEXT.test(text) ? 'more' : 'next',
        ...describe(element) });
      return;
    }
    if (['pdf', 'detail', 'detail_pdf'].includes(field)) element = link;
    if (!element) {
      send({ action: 'picked', field, error: 'no-link' });
      return;
    }
    if (field === 'detail_pdf') { // on the invoice's own page: one link in the page, read as CSS
      send({ action: 'picked', field, locators: locatorsFor(element, { withText: false }), samples: [element.getAttribute('href')] });
      return;
    }
    const row = items ? element.closest(items.join(', ')) : rowOf(element);
    if (!row) {
      send({ action: 'picked', field, error: items ? 'outside' : 'no-list' });
      return;
    }
    if (!items) items = rowSelector(row);
    if (!items.length) {
      send({ action: 'picked', field, error: 'no-list' });
      return;
    }
    const locators = fieldLocators(element, row);
    const rows = [...document.querySelectorAll(items[0])];
    const attribute = ['pdf', 'detail'].includes(field) ? 'href' : null;
    send({ action: 'picked', field, items, locators, count: rows.length,
      samples: rows.slice(0, 3).map((each) => readField(each, locators, attribute)) });
  }

  // ---- the panel's requests ------------------------------------------------------------------
  chrome.runtime.onMessage.addListener((message) => {
    if (!message || message.type !== 'recorder-pick' || inFrame) return;
    picking = message.field;
    if (message.items) items = message.items;
    document.documentElement.classList.add('invoice-collector-picking');
  });

  /** What may show that this page has loaded, best first: forms, tables, landmarks with a stable hook.
   * The panel keeps the first one the previous page did not have (a site-wide header proves nothing). */
  function landmarks() {
    const found = [];
    for (const css of ['main form', 'form', 'table', 'ul[id]', 'ol[id]', '[role=list]', 'main', '[role=main]', 'h1']) {
      for (const element of document.querySelectorAll(css)) {
        if (!element.getClientRects().length) continue;
        const locators = locatorsFor(element, { withText: false }).filter((each) => !/nth-of-type/.test(each));
        if (locators.length && !found.some((known) => known[0] === locators[0])) found.push(locators);
      }
    }
    return found.slice(0, 6);
  }

  const style = document.createElement('style');
  style.textContent = '.invoice-collector-picking *:hover { outline: 2px solid #1a73e8 !important; cursor: crosshair !important; }';
  document.documentElement.append(style);
  document.addEventListener('change', onChange, true);
  document.addEventListener('click', onClick, true);
  document.addEventListener('submit', onSubmit, true);
  if (!inFrame) watchPage();

  /**
   * The page's own state only (not a frame's): once now, again when a single-page app moves to
   * another view without loading a page (history.pushState, a hash change: only the address and the
   * page change), and when its landmarks change while it renders the view (the list its script
   * fetched shows a moment after the address changed). Checked once per batch of DOM changes.
   */
  function watchPage() {
    let address = null;
    let marks = null;
    let queued = false;
    const announce = () => {
      queued = false;
      const found = landmarks();
      const key = found.map((locators) => locators[0]).join('\n');
      if (location.href === address && key === marks) return;
      const update = address !== null && location.href === address;
      address = location.href;
      marks = key;
      send({ action: 'page', url: location.href, landmarks: found, update });
    };
    const later = () => {
      if (!queued) {
        queued = true;
        queueMicrotask(announce);
      }
    };
    announce();
    new MutationObserver(later).observe(document.documentElement, { childList: true, subtree: true });
    window.addEventListener('popstate', later);
    window.addEventListener('hashchange', later);
  }
})();
