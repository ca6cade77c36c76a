// « Enregistrer une recette »: the user's supplier is not in the catalog, so they show the panel
// how its site works. The panel opens the site in a tab (asking for permission on that site only,
// at that moment), injects the page recorder (js/recorder/page-recorder.js) into each page the
// tab loads, and lists the steps it turns the user's actions into. Then, on the invoice list,
// it asks them to click an invoice's number, date, amount, PDF link and « page suivante »; the
// draft view (recorder-draft.js) checks, tries and saves the recipe.

import { field, fieldError, h, setStatus, show, statusLine } from '../dom.js';
import { t } from '../i18n.js';
import { icon } from '../icons.js';
import { summary } from '../recorder/draft.js';
import { forgetRecording, keepRecording, onStepsRecorded, readRecording, readSteps } from '../recorder/recording-state.js';
import { PAGE_RECORDER } from '../recorder/recording-worker.js';
import { samplesTable, showDraft } from './recorder-draft.js';

// What the user clicks on the invoice list, each pick followed by the next; only the number and the
// PDF are needed. A PDF only on each invoice's own page: its link on the list (detail), then the PDF there.
const NEXT_PICK = { id: 'date', date: 'amount', amount: 'pdf', pdf: 'next_page', detail: 'detail_pdf', detail_pdf: 'next_page',
  next_page: null };
const OPTIONAL = new Set(['date', 'amount', 'next_page']);

/** Why the recorder will not open `text` (a message), or null: only web pages can be recorded. */
export function refusedAddress(text) {
  let url;
  try {
    url = new URL(text.trim());
  } catch {
    return t('recorderBadAddress');
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') return null;
  return t('recorderRefusedScheme', url.protocol.replace(/:$/, ''));
}

const STEP_TEXT = {
  open: (target) => t('recorderStepOpen', target),
  'fill-login': (target) => t('recorderStepFillLogin', target),
  'fill-password': (target) => t('recorderStepFillPassword', target),
  fill: (target) => t('recorderStepFill', target),
  code: (target) => t('recorderStepCode', target),
  select: (target) => t('recorderStepSelect', target),
  check: (target) => t('recorderStepCheck', target),
  uncheck: (target) => t('recorderStepUncheck', target),
  click: (target) => t('recorderStepClick', target),
  banner: (target) => t('recorderStepBanner', target),
  submit: (target) => t('recorderStepSubmit', target),
  wait: (target) => t('recorderStepWait', target),
};

const PICK_TEXT = {
  id: () => t('recorderPickNumber'),
  date: () => t('recorderPickDate'),
  amount: () => t('recorderPickAmount'),
  pdf: () => t('recorderPickPdf'),
  detail: () => t('recorderPickDetail'),
  detail_pdf: () => t('recorderPickDetailPdf'),
  next_page: (list) => (list.fields.detail ? t('recorderPickNextFromDetail') : t('recorderPickNext')),
};

const PICK_ERROR = {
  'no-list': () => t('recorderPickNoList'),
  outside: () => t('recorderPickOutside'),
  'no-link': () => t('recorderPickNoLink'),
};

export function mountRecorder(container, context) {
  // phase: recording (the login), picking (the invoice list), draft; kept across panel reloads.
  // The steps are the service worker's (recording-worker.js): the panel shows them.
  const session = { tabId: null, startUrl: null, steps: [], list: null, pick: null, phase: null, status: statusLine() };
  const keep = () => keepRecording(session).catch(() => {});

  /** The page recorder in the tab's page (again: the worker put it there too, panel open or not). */
  async function inject() {
    try {
      await chrome.scripting.executeScript({ target: { tabId: session.tabId, allFrames: true }, files: [PAGE_RECORDER] });
      setStatus(session.status, '');
      if (session.pick) askPick();
    } catch (error) { // a page of another site, or one no extension may touch
      // Chrome does not say which site refused: the last click's link to another site is the best guess.
      const origin = session.leavingTo;
      const allowed = origin && (await chrome.permissions.contains({ origins: [`${origin}/*`] }).catch(() => true));
      if (origin && !allowed) askPermission(origin);
      else setStatus(session.status, t('recorderCannotRecordHere'), 'error');
    }
  }

  /** A login on another site: the user allows that site too (a click: Chrome asks only during a gesture). */
  function askPermission(origin) {
    const { host } = new URL(origin);
    setStatus(session.status, t('recorderOtherSite', host), 'info');
    session.status.append(' ', h('button', { type: 'button', class: ['btn', 'btn-small', 'btn-primary', 'recorder-allow'],
      onClick: () => chrome.permissions.request({ origins: [`${origin}/*`] }).then((granted) => {
        if (granted) inject();
        else setStatus(session.status, t('recorderPermissionRefused', host), 'error');
      }) }, t('recorderAllowSite', host)));
  }

  function askPick() {
    chrome.tabs.sendMessage(session.tabId, { type: 'recorder-pick', field: session.pick, items: session.list && session.list.items })
      .catch(() => setStatus(session.status, t('recorderCannotRecordHere'), 'error'));
  }

  const onMessage = (message, sender) => {
    if (!message || message.type !== 'recorder-event' || !sender.tab || sender.tab.id !== session.tabId) return;
    const { event } = message;
    if (event.action === 'picked') picked(event);
    if (event.action === 'click') session.leavingTo = event.to || null;
  };
  const stopWatching = onStepsRecorded((steps) => {
    session.steps = steps;
    if (session.phase === 'recording') renderRecording();
  });
  const onUpdated = (tabId, change) => {
    if (tabId === session.tabId && change.status === 'complete') inject();
  };
  const onRemoved = (tabId) => {
    if (tabId === session.tabId) setStatus(session.status, t('recorderTabClosed'), 'error');
  };
  chrome.runtime.onMessage.addListener(onMessage);
  chrome.tabs.onUpdated.addListener(onUpdated);
  chrome.tabs.onRemoved.addListener(onRemoved);

  function back() {
    return h('button', { type: 'button', class: ['btn', 'btn-ghost', 'btn-small', 'back'],
      onClick: () => context.navigate('add-account') }, icon('back'), t('recorderBack'));
  }

  function renderStart() {
    const address = field({ name: 'url', label: t('recorderAddressLabel'), type: 'url', placeholder: 'https://',
      help: t('recorderAddressHelp') });
    const form = h('form', { class: ['section', 'recorder-start'], novalidate: true }, address,
      h('button', { type: 'submit', class: ['btn', 'btn-primary', 'btn-block'] }, t('recorderStart')), session.status);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = form.elements.url.value;
      const refusal = refusedAddress(text);
      if (refusal) {
        fieldError(form, 'url', refusal);
        return;
      }
      start(new URL(text.trim()));
    });
    show(container, back(),
      h('div', { class: 'view-head' }, h('h2', { id: 'recorder-title' }, t('recorderTitle'))),
      h('p', { class: 'muted' }, t('recorderIntro')),
      h('p', { class: ['banner', 'banner-info'] }, t('recorderSecretsNote')),
      form);
    form.elements.url.focus();
  }

  // Called in the click's own task: Chrome asks for the site permission only during a user gesture.
  function start(url) {
    chrome.permissions.request({ origins: [`${url.origin}/*`] }).then(async (granted) => {
      if (!granted) {
        setStatus(session.status, t('recorderPermissionRefused', url.host), 'error');
        return;
      }
      const tab = await chrome.tabs.create({ url: url.href, active: true });
      Object.assign(session, { tabId: tab.id, startUrl: url.href, steps: [], list: null, pick: null, phase: 'recording' });
      await keepRecording(session, true);
      renderRecording();
    }).catch((error) => setStatus(session.status, String(error.message || error), 'error'));
  }

  function stepList() {
    const open = { kind: 'open', target: new URL(session.startUrl).pathname };
    return h('ol', { class: 'recorder-steps', 'aria-live': 'polite' },
      [open, ...session.steps.map(summary)].map((step) => h('li', { dataset: { kind: step.kind } },
        (STEP_TEXT[step.kind] || STEP_TEXT.click)(step.target))));
  }

  function renderRecording() {
    show(container,
      h('div', { class: 'view-head' }, h('h2', {}, h('span', { class: 'recording-dot', 'aria-hidden': 'true' }), t('recorderRecording'))),
      h('p', { class: 'muted' }, t('recorderRecordingHelp')),
      h('p', { class: ['banner', 'banner-info'] }, t('recorderSecretsNote')),
      stepList(), session.status,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: ['btn', 'btn-primary'], onClick: startList }, t('recorderOnTheList')),
        h('button', { type: 'button', class: ['btn', 'btn-ghost'], onClick: restart }, t('recorderRestart'))));
  }

  function restart() {
    Object.assign(session, { tabId: null, phase: null });
    forgetRecording().catch(() => {});
    renderStart();
  }

  function startList() {
    session.list = { items: null, fields: {}, samples: {}, next_page: null, next_mode: null, count: 0 };
    nextPick('id');
  }

  function nextPick(name) {
    session.pick = name || null;
    session.phase = session.pick ? 'picking' : 'draft';
    keep();
    if (!session.pick) {
      showDraft(container, context, { startUrl: session.startUrl, steps: session.steps, list: session.list,
        onBack: startList, onSaved: () => forgetRecording().catch(() => {}) });
      return;
    }
    askPick();
    renderPick();
  }

  function renderPick(problem = '') {
    const skip = OPTIONAL.has(session.pick)
      ? h('button', { type: 'button', class: ['btn', 'btn-ghost'], onClick: () => nextPick(NEXT_PICK[session.pick]) },
        session.pick === 'next_page' ? t('recorderNoNextPage') : t('recorderSkip'))
      : null;
    // No PDF link on the list: it is on each invoice's own page, reached from its row.
    const onDetail = session.pick === 'pdf'
      ? h('button', { type: 'button', class: ['btn', 'btn-ghost', 'recorder-pdf-on-detail'], onClick: () => nextPick('detail') },
        t('recorderPdfOnDetail'))
      : null;
    show(container,
      h('div', { class: 'view-head' }, h('h2', {}, t('recorderListTitle'))),
      h('p', { class: ['recorder-ask', 'banner', 'banner-warning'], role: 'status' }, PICK_TEXT[session.pick](session.list)),
      problem ? h('p', { class: ['banner', 'banner-error'] }, problem) : null,
      samplesTable(session.list), session.status,
      h('div', { class: 'actions' }, onDetail, skip));
  }

  function picked(event) {
    if (!(event.field in NEXT_PICK) || event.field !== session.pick) return;
    if (event.error) {
      askPick();
      renderPick(PICK_ERROR[event.error]());
      return;
    }
    if (event.field === 'next_page') {
      Object.assign(session.list, { next_page: event.locators, next_mode: event.mode });
    } else if (event.field === 'detail_pdf') {
      session.list.fields.detail_pdf = { locators: event.locators };
    } else {
      Object.assign(session.list, { items: event.items, count: event.count });
      session.list.fields[event.field] = { locators: event.locators };
      session.list.samples[event.field] = event.samples;
    }
    nextPick(NEXT_PICK[event.field]);
  }

  /** A recording kept from before the panel was reloaded, in its tab still open: go on from there. */
  async function resume() {
    const kept = await readRecording().catch(() => null);
    const tab = kept && kept.tabId !== null ? await chrome.tabs.get(kept.tabId).catch(() => null) : null;
    if (!tab) {
      if (kept) forgetRecording().catch(() => {});
      renderStart();
      return;
    }
    Object.assign(session, kept, { steps: (await readSteps()).steps });
    if (session.phase === 'draft') nextPick(null);
    else if (session.phase === 'picking') nextPick(session.pick);
    else renderRecording();
    inject(); // the page may have changed while the panel was closed
  }

  resume();
  return () => {
    stopWatching();
    chrome.runtime.onMessage.removeListener(onMessage);
    chrome.tabs.onUpdated.removeListener(onUpdated);
    chrome.tabs.onRemoved.removeListener(onRemoved);
  };
}
