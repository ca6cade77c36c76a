// Extension settings and the pairing token, kept in chrome.storage.local (never sync:
// the token must not leave this machine).

export const DEFAULT_PORT = 47311;
const DEFAULTS = { port: DEFAULT_PORT, language: 'auto' };
export const LANGUAGES = ['auto', 'fr', 'en'];

export async function readSettings() {
  const stored = await chrome.storage.local.get(Object.keys(DEFAULTS));
  return { ...DEFAULTS, ...stored };
}

export async function writeSettings(partial) {
  await chrome.storage.local.set(partial);
}

export async function readToken() {
  const { token } = await chrome.storage.local.get('token');
  return token || null;
}

export async function writeToken(token) {
  await chrome.storage.local.set({ token });
  await chrome.storage.local.remove('pairingRevoked');
}

/** A pairing made through the native host: its token, and the port where that server answers. */
export async function writePairing(token, port) {
  await chrome.storage.local.set({ token, port });
  await chrome.storage.local.remove('pairingRevoked');
}

/**
 * Forgets the token. `revoked`: the server refused it (not the user's own doing). Whichever page
 * met the refusal (the panel, the options, the service worker's badge), the panel then says why.
 */
export async function clearToken(revoked = false) {
  if (revoked) await chrome.storage.local.set({ pairingRevoked: true });
  else await chrome.storage.local.remove('pairingRevoked');
  await chrome.storage.local.remove('token');
}

/** Was the last token forgotten because the server refused it? */
export async function tokenWasRevoked() {
  const { pairingRevoked } = await chrome.storage.local.get('pairingRevoked');
  return Boolean(pairingRevoked);
}

/** Calls `listener(changes)` when the port, language or token change (e.g. from the options page). */
export function onStorageChanged(listener) {
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === 'local') listener(changes);
  });
}

/** The account a notification was clicked for (see service-worker.js), taken once: null when none. */
export async function takeFocusAccount() {
  const { focusAccount } = await chrome.storage.local.get('focusAccount');
  if (focusAccount === undefined || focusAccount === null) return null;
  await chrome.storage.local.remove('focusAccount');
  return focusAccount;
}
