// The side panel's shell: connects to the server, then shows the offline screen, the pairing
// screen or the tabs (Accounts, Invoices, Settings), and switches when the connection changes.

import { apiEvents, health, UnauthorizedError } from './api.js';
import { h } from './dom.js';
import { applyI18n, initI18n, t } from './i18n.js';
import { readRecording } from './recorder/recording-state.js';
import { onStorageChanged, readSettings, readToken, tokenWasRevoked } from './storage.js';
import * as state from './store.js';
import { mountAccounts } from './views/accounts.js';
import { mountAddAccount } from './views/add-account.js';
import { mountCodePrompts } from './views/code-prompt.js';
import { mountEditCredentials } from './views/credentials.js';
import { mountAccountHistory } from './views/history.js';
import { mountInvoices } from './views/invoices.js';
import { mountRecorder } from './views/recorder.js';
import { renderOffline } from './views/offline.js';
import { renderPairing } from './views/pairing.js';
import { mountSettings } from './views/settings.js';

const OFFLINE_RETRY_MS = 2000;
const SERVER_CHECK_MS = 5000;
const NOTICE_LIFETIME_MS = 12000;
const VIEWS = {
  accounts: { tab: 'accounts', mount: mountAccounts },
  'add-account': { tab: 'accounts', mount: mountAddAccount },
  'edit-credentials': { tab: 'accounts', mount: mountEditCredentials },
  'account-history': { tab: 'accounts', mount: mountAccountHistory },
  recorder: { tab: 'accounts', mount: mountRecorder },
  invoices: { tab: 'invoices', mount: mountInvoices },
  settings: { tab: 'settings', mount: mountSettings },
};

const connectScreen = document.getElementById('screen-connect');
const mainScreen = document.getElementById('screen-main');
const viewElement = document.getElementById('view');
const notice = document.getElementById('notice');
const connectionDot = document.getElementById('connection-state');

let screen = null; // 'offline' | 'pairing' | 'main'
let retryTimer = null;
let unmountView = null;
let connecting = null;
let noticeTimer = null;
let lastTab = 'accounts'; // where the user was: back online, they return there

function show(name) {
  screen = name;
  const main = name === 'main';
  mainScreen.hidden = !main;
  connectScreen.hidden = main;
  connectionDot.hidden = false;
  connectionDot.className = `connection-dot connection-${main ? 'online' : name}`;
  connectionDot.setAttribute('aria-label', main ? t('connectionOnline') : t('connectionOffline'));
  connectionDot.title = connectionDot.getAttribute('aria-label');
  if (!main) {
    state.stopMonitor();
    if (unmountView) unmountView();
    unmountView = null;
  }
}

/** Decides which screen to show; safe to call at any time (calls are not run twice at once). */
function connect() {
  if (!connecting) connecting = doConnect().finally(() => { connecting = null; });
  return connecting;
}

async function doConnect() {
  clearTimeout(retryTimer);
  const { port } = await readSettings();
  try {
    await health();
  } catch (error) {
    showOffline(port, error);
    return;
  }
  if (!(await readToken())) {
    showPairing(false);
    return;
  }
  try {
    await state.refreshAccounts();
  } catch (error) {
    if (error instanceof UnauthorizedError) showPairing(true);
    else showOffline(port, error); // it stopped between the two requests
    return;
  }
  if (screen !== 'main') {
    show('main');
    state.startMonitor();
    // A recipe being recorded when the panel was reloaded or closed: back to it.
    navigate((await readRecording().catch(() => null)) ? 'recorder' : lastTab);
  }
}

function showOffline(port, error) {
  const kind = `${error.name}:${port}`;
  if (screen !== 'offline' || connectScreen.dataset.kind !== kind) {
    show('offline');
    connectScreen.dataset.kind = kind;
    renderOffline(connectScreen, { port, error, onRetry: () => connect() });
  }
  retryTimer = setTimeout(connect, OFFLINE_RETRY_MS);
}

function showPairing(expired) {
  // Already asking for a code: only re-render to add the "pairing expired" explanation.
  if (screen === 'pairing' && (!expired || connectScreen.dataset.kind === 'pairing-expired')) return;
  show('pairing');
  connectScreen.dataset.kind = expired ? 'pairing-expired' : 'pairing';
  renderPairing(connectScreen, { expired, onPaired: () => connect() });
  clearTimeout(retryTimer);
  retryTimer = setTimeout(watchWhilePairing, SERVER_CHECK_MS);
}

// While the user goes to a terminal for the code, notice if the server stops meanwhile.
function watchWhilePairing() {
  if (screen !== 'pairing') return;
  health()
    .then(() => { retryTimer = setTimeout(watchWhilePairing, SERVER_CHECK_MS); })
    .catch(() => connect());
}

/** Shows a view of the main screen. `params` go to its mount function. */
function navigate(name, params = {}) {
  const view = VIEWS[name];
  if (unmountView) unmountView();
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const selected = tab.dataset.view === view.tab;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
  }
  lastTab = view.tab;
  viewElement.setAttribute('aria-labelledby', `tab-${view.tab}`);
  viewElement.replaceChildren();
  viewElement.dataset.view = name;
  unmountView = view.mount(viewElement, { navigate, notify, ...params }) || null;
  if (params.notice) notify(params.notice, params.noticeKind);
  else notify('');
}

/** A short message above the view (announced by screen readers); confirmations fade after a while. */
function notify(text, kind = 'success') {
  clearTimeout(noticeTimer);
  if (text && kind === 'success') noticeTimer = setTimeout(() => notify(''), NOTICE_LIFETIME_MS);
  notice.hidden = !text;
  notice.className = `notice notice-${kind}`;
  notice.replaceChildren(text ? h('span', {}, text) : '');
}

function setUpTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  for (const tab of tabs) {
    tab.addEventListener('click', () => navigate(tab.dataset.view));
    tab.addEventListener('keydown', (event) => {
      const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -Infinity, End: Infinity };
      if (!(event.key in moves)) return;
      event.preventDefault();
      const index = tabs.indexOf(tab);
      const step = moves[event.key];
      const next = Number.isFinite(step) ? (index + step + tabs.length) % tabs.length : (step < 0 ? 0 : tabs.length - 1);
      tabs[next].focus();
      navigate(tabs[next].dataset.view);
    });
  }
}

async function start() {
  await initI18n();
  applyI18n();
  setUpTabs();
  mountCodePrompts(document.getElementById('code-prompts'), { notify });
  apiEvents.addEventListener('offline', () => {
    if (screen !== 'offline') connect();
  });
  apiEvents.addEventListener('unauthorized', () => showPairing(true));
  onStorageChanged((changes) => {
    if (changes.language) {
      location.reload();
    } else if (changes.token && !changes.token.newValue) {
      // Unpaired from the options page, or refused by the server in another page (the badge's poll).
      tokenWasRevoked().then((revoked) => showPairing(revoked));
    } else if (changes.port || (changes.token && screen === 'pairing')) {
      if (screen !== 'main') screen = null; // let connect() render its screen again
      connect();
    }
  });
  await connect();
}

start();
