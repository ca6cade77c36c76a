// Options page: the server's port, pairing this browser, and the panel's language.

import { forgetThisBrowser, health } from './api.js';
import { clearErrors, errorMessage, fieldError, setStatus } from './dom.js';
import { applyI18n, initI18n, t } from './i18n.js';
import { onStorageChanged, readSettings, readToken, writeSettings } from './storage.js';
import { pairingForm } from './views/pairing.js';

const serverForm = document.getElementById('server-form');
const portInput = document.getElementById('port');
const serverState = document.getElementById('server-state');
const language = document.getElementById('language');

async function showServerState() {
  try {
    const info = await health();
    setStatus(serverState, t('optionsServerOnline', info.version), 'success');
  } catch (error) {
    setStatus(serverState, errorMessage(error), 'error');
  }
}

async function showPairing() {
  const paired = Boolean(await readToken());
  document.getElementById('paired').hidden = !paired;
  document.getElementById('unpaired').hidden = paired;
  const slot = document.getElementById('pair-slot');
  if (!paired && !slot.firstChild) slot.append(pairingForm({ onPaired: () => {} }));
  if (paired) slot.replaceChildren();
}

async function start() {
  await initI18n();
  applyI18n();
  const settings = await readSettings();
  portInput.value = settings.port;
  language.value = settings.language;

  serverForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(serverForm);
    const port = Number(portInput.value);
    if (!Number.isInteger(port) || port < 1024 || port > 65535) {
      fieldError(serverForm, 'port', t('optionsPortInvalid'));
      return;
    }
    await writeSettings({ port });
    await showServerState();
  });
  document.getElementById('unpair').addEventListener('click', () => forgetThisBrowser());
  language.addEventListener('change', () => writeSettings({ language: language.value }));
  onStorageChanged((changes) => {
    if (changes.language) location.reload();
    if (changes.token) showPairing();
  });
  await Promise.all([showServerState(), showPairing()]);
}

start();
