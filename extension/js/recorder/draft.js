// A recording becomes a recipe: the page recorder's events turn into steps, and the steps into
// YAML a person can read and edit (docs/recipes.md). Pure functions: nothing here talks to the
// page, the server or the user.
//
// No secret is ever in a step: a login, password or code field becomes {{ login }},
// {{ password }} or a one_time_code step, because the page recorder never sends what was typed there.

// Shown, not merely present: many login pages hold an empty, hidden error box from the start.
const LOGIN_ERRORS = ['.alert-danger', '[role=alert]', '.error', '.login-error'];
// The recipe's own labels, written in both languages into its file whatever the panel's language.
const CREDENTIALS = [
  '  - {name: login, label_fr: Identifiant, label_en: Login}',
  '  - {name: password, label_fr: Mot de passe, label_en: Password, type: password}',
];
const CODE_PROMPT = 'Code reçu par SMS ou e-mail';

/**
 * The steps after one more event from the page recorder (a new array; `steps` is left as it is).
 * `previousPage`: the last `page` event, whose landmarks cannot prove that a new page has come.
 */
export function addEvent(steps, event, previousPage = null) {
  const last = steps[steps.length - 1];
  switch (event.action) {
    case 'fill': {
      const step = event.kind === 'code' ? { kind: 'code', locators: event.locators, frame: event.frame }
        : { kind: 'fill', locators: event.locators, secret: ['login', 'password'].includes(event.kind) ? event.kind : null,
          value: event.kind === 'text' ? event.value : undefined, label: event.label, frame: event.frame };
      // Typing again into the same field (a typo fixed): the last value is the one that counts.
      if (last && last.kind === step.kind && sameTarget(last, step)) return [...steps.slice(0, -1), step];
      return [...steps, step];
    }
    case 'select':
      return [...steps, { kind: 'select', locators: event.locators, option: event.option, label: event.label, frame: event.frame }];
    case 'check':
      return [...steps, { kind: 'check', locators: event.locators, checked: event.checked, label: event.label, frame: event.frame }];
    case 'click':
      return [...steps, { kind: event.banner ? 'banner' : 'click', locators: event.locators, text: event.text, frame: event.frame }];
    case 'submit':
      return [...steps, { kind: 'submit', locators: event.locators, frame: event.frame }];
    case 'page': {
      if (event.update) {
        // The same address, its view still rendering (a single-page app's list arrives after its
        // address changed): a landmark may come. One found already stays: a widget added later
        // (a chat box's form) must not become what the recipe waits for.
        if (!last || last.kind !== 'wait' || last.url !== event.url || last.landmark) return steps;
        return [...steps.slice(0, -1), { ...last, landmark: newLandmark(event, last.before) }];
      }
      // A new page (or a single-page app's new view) after an action: wait for its state before
      // the next step (never a sleep).
      if (!last || !['click', 'submit', 'banner'].includes(last.kind)) return steps;
      const before = ((previousPage && previousPage.landmarks) || []).map((locators) => locators[0]);
      return [...steps, { kind: 'wait', landmark: newLandmark(event, before), path: routeOf(event.url), url: event.url, before }];
    }
    default:
      return steps;
  }
}

/** The first landmark of `page` that was not on the page before (`before`: their first locators). */
function newLandmark(page, before) {
  const seen = new Set(before || []);
  return (page.landmarks || []).find((locators) => !seen.has(locators[0])) || null;
}

/** What tells one page from another by its address: the path, and a single-page app's #/route. */
function routeOf(address) {
  const url = new URL(address);
  return /^#!?\//.test(url.hash) ? `${url.pathname}${url.hash}` : url.pathname;
}

function sameTarget(a, b) {
  return a.locators && b.locators && a.locators[0] === b.locators[0];
}

/** Recorded step list, for the panel: what a step does, with no value in it. */
export function summary(step) {
  const kind = step.secret ? `fill-${step.secret}` : step.kind === 'check' && step.checked === false ? 'uncheck' : step.kind;
  return { kind, target: step.label || step.text || (step.locators || step.landmark || [])[0] || step.path || '' };
}

/** lower-case, no accents, words joined by - : « Hydra Eau » → hydra-eau. */
export function slug(name) {
  const plain = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const words = plain.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const id = /^[a-z]/.test(words) ? words : `site-${words}`;
  return id.slice(0, 63).replace(/-+$/, '');
}

// ---- YAML ----------------------------------------------------------------------------------------
// JSON strings are YAML double-quoted scalars, and a JSON array of them a YAML flow sequence:
// every value is quoted, so no text of a page can change the file's structure.
const q = (text) => JSON.stringify(String(text));
const locator = (list) => (list.length === 1 ? q(list[0]) : `[${list.map(q).join(', ')}]`);

function stepLines(step, indent) {
  const pad = ' '.repeat(indent);
  switch (step.kind) {
    case 'fill': {
      const value = step.secret ? `{{ ${step.secret} }}` : step.value;
      return [`${pad}- fill: {locator: ${locator(step.locators)}, value: ${q(value)}}`];
    }
    case 'code':
      return [`${pad}- one_time_code: {locator: ${locator(step.locators)}, prompt: ${q(CODE_PROMPT)}}`];
    case 'select':
      return [`${pad}- select: {locator: ${locator(step.locators)}, option: ${q(step.option)}}`];
    case 'check':
      return [`${pad}- check: {locator: ${locator(step.locators)}, checked: ${step.checked}}`];
    case 'click':
      return [`${pad}- click: ${locator(step.locators)}`];
    case 'banner': // a cookie banner shows on a new profile only: click it when it is there
      return [`${pad}- click_if_present: ${locator(step.locators)}`];
    case 'submit':
      return [`${pad}- submit: ${locator(step.locators)}`];
    case 'wait':
      return [`${pad}- wait_for: ${waitCondition(step)}`];
    case 'login-wait':
      return [`${pad}- wait_for_any:`, `${pad}    - ${waitCondition(step)}`,
        `${pad}    - {visible: ${locator(LOGIN_ERRORS)}, fail: LOGIN_FAILED, message_from: ${locator(LOGIN_ERRORS)}}`];
    default:
      return [];
  }
}

function waitCondition(step) {
  if (step.landmark && step.landmark.length) return `{present: ${locator(step.landmark)}}`;
  return `{url: ${q(step.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))}}`;
}

/**
 * The steps, the login part wrapped in a `login` step: a sync that finds the account's browser
 * profile still logged in skips it (docs/recipes.md, « Each account keeps its browser profile »).
 * A login on another site (`link`: the click that led there) is driven by the page's state instead.
 */
function withLogin(steps, startOrigin) {
  const secretAt = steps.findIndex((step) => step.secret === 'password');
  const firstField = steps.findIndex((step) => step.kind === 'fill' && step.secret);
  const nextWait = (from) => steps.findIndex((step, index) => index > from && step.kind === 'wait');
  let waitAt = nextWait(secretAt);
  if (secretAt < 0 || firstField < 0 || waitAt < 0) return { before: steps, login: null, after: [] };
  // A code page right after the password is part of the login: logged in is the page after it.
  if (steps[waitAt + 1] && steps[waitAt + 1].kind === 'code' && nextWait(waitAt + 1) > 0) waitAt = nextWait(waitAt + 1);
  const wait = steps[waitAt];
  const inner = [...steps.slice(firstField, waitAt), { ...wait, kind: 'login-wait' }];
  // A login form in an iframe: the login step looks for the frame (it cannot see inside it).
  const form = steps[firstField].frame || steps[firstField].locators;
  const linkAt = signOnLink(steps, firstField, startOrigin);
  if (linkAt !== null) {
    return { before: steps.slice(0, linkAt), after: steps.slice(waitAt + 1),
      login: { form, wait, link: steps[linkAt], steps: steps.slice(firstField, waitAt) } };
  }
  return { before: steps.slice(0, firstField), login: { form, wait, steps: inner }, after: steps.slice(waitAt + 1) };
}

/** Where the click that led to a login form on another site (single sign-on) is, or null. */
function signOnLink(steps, firstField, startOrigin) {
  const [click, wait] = [steps[firstField - 2], steps[firstField - 1]];
  if (!wait || wait.kind !== 'wait' || !wait.url || new URL(wait.url).origin === startOrigin) return null;
  return click && click.kind === 'click' ? firstField - 2 : null;
}

/** The other sites the recording went through (a login on another site): the recipe declares them. */
function otherOrigins(steps, startOrigin) {
  const origins = steps.filter((step) => step.url).map((step) => new URL(step.url).origin);
  return [...new Set(origins)].filter((origin) => origin !== startOrigin);
}

/** fr when the amounts read look French (44,20 € · 1 234,56): "1,234" alone would be a thousand to `auto`. */
function amountStyle(samples) {
  const read = (samples || []).filter(Boolean);
  return read.length && read.every((text) => /\d,\d{1,2}\b/.test(text) || /€/.test(text)) ? 'fr' : 'auto';
}

// « Facture n° 2024-0601 »: the number is what follows its label.
const NUMBER_LABEL = /(?:n°|no\.|numéro)\s*(\S+)/i;
const NUMBER_REGEX = `'(?i)${NUMBER_LABEL.source}'`; // the same, as the recipe's (Python) regex

/** Every number read carries a label (« Facture n° … »): the number is what follows it. */
function labelledNumbers(samples) {
  const read = (samples || []).filter(Boolean);
  return read.length > 0 && read.every((text) => NUMBER_LABEL.test(text));
}

/** The numbers as the recipe will read them (shown to the user to confirm). */
export function numbersRead(samples) {
  return labelledNumbers(samples) ? samples.map((text) => (text ? NUMBER_LABEL.exec(text)[1] : text)) : samples;
}

function numberFilter(samples) {
  return labelledNumbers(samples) ? `, regex: ${NUMBER_REGEX}` : '';
}

function invoicesLines(list) {
  const samples = list.samples || {};
  const more = list.next_page && list.next_mode === 'more';
  // « Afficher plus » adds the next rows to the same page: click it until it is gone, then read them all.
  const lines = more ? [`  - load_more: {locator: ${locator(list.next_page)}, items: ${locator(list.items)}}`] : [];
  lines.push('  - invoices:', `      items: ${locator(list.items)}`);
  if (list.next_page && !more) lines.push(`      next_page: ${locator(list.next_page)}`);
  lines.push('      fields:');
  const field = (name, spec, pad = 8) => lines.push(`${' '.repeat(pad)}${name}: {css: ${locator(spec.locators)}${spec.extra || ''}}`);
  const number = numberFilter(samples.id);
  field('id', { ...list.fields.id, extra: number });
  field('number', { ...list.fields.id, extra: number });
  if (list.fields.date) field('date', { ...list.fields.date, extra: ', date: auto' });
  if (list.fields.amount) field('amount', { ...list.fields.amount, extra: `, amount: ${amountStyle(samples.amount)}` });
  // href comes back absolute: relative links work
  if (list.fields.pdf) field('pdf', { ...list.fields.pdf, extra: ', attr: href' });
  if (list.fields.detail) {
    field('detail', { ...list.fields.detail, extra: ', attr: href' });
    // Each new invoice's own page is opened, and its PDF link read there. Optional: an invoice
    // listed before its PDF exists is left for a later run instead of failing this one.
    lines.push('      detail:', '        fields:');
    field('pdf', { ...list.fields.detail_pdf, extra: ', attr: href, optional: true' }, 10);
  }
  return lines;
}

/** The recipe's YAML: header, recorded steps, then the invoice list. */
export function recipeYaml({ id, name, startUrl, steps, list }) {
  const start = new URL(startUrl);
  const origin = start.origin;
  const path = `${start.pathname}${start.search}`;
  const { before, login, after } = withLogin(steps, origin);
  const others = otherOrigins(steps, origin);
  const lines = [
    `id: ${id}`, `name: ${q(name)}`, `homepage: ${q(origin)}`, 'category: autre',
    `terms: {version: "1", url: ${q(origin)}}`, 'credentials:', ...CREDENTIALS,
    'urls:', `  portal: ${q(origin)}`, ...(others.length ? [`origins: [${others.map(q).join(', ')}]`] : []),
    'steps:', `  - open: ${q(`{{ urls.portal }}${path === '/' ? '' : path}`)}`];
  const where = { frame: null }; // the frame the run is in at this point of the recipe
  const emit = (step, indent) => {
    const frame = step.frame || null;
    if (JSON.stringify(frame) !== JSON.stringify(where.frame)) {
      lines.push(`${' '.repeat(indent)}- switch_frame: ${frame ? locator(frame) : 'top'}`);
      where.frame = frame;
    }
    lines.push(...stepLines(step, indent));
  };
  for (const step of before) emit(step, 2);
  if (login && login.link) {
    // A login on another site: the account may still be logged in there, or here, or neither.
    // Look at the page each time: the invoices (done), a refusal, the other site's form, our link to it.
    lines.push('  - until_done:', '      cases:',
      `        - {name: logged-in, ${waitCondition(login.wait).slice(1, -1)}, done: true}`,
      `        - {name: refused, visible: ${locator(LOGIN_ERRORS)}, fail: LOGIN_FAILED, message_from: ${locator(LOGIN_ERRORS)}}`,
      '        - name: sign-in', `          present: ${locator(login.form)}`, '          then:');
    for (const step of login.steps) emit(step, 12);
    lines.push('        - name: sign-in-link', `          present: ${locator(login.link.locators)}`, '          then:');
    emit(login.link, 12);
  } else if (login) {
    lines.push('  - login:', `      logged_in: ${waitCondition(login.wait)}`, `      form: ${locator(login.form)}`, '      steps:');
    for (const step of login.steps) emit(step, 8);
  }
  for (const step of after) emit(step, 2);
  if (where.frame) lines.push('  - switch_frame: top'); // the invoice list is read from the page itself
  if (list) lines.push(...invoicesLines(list));
  return `${lines.join('\n')}\n`;
}
