// The recording in progress, kept in chrome.storage.session (memory only, gone when the browser
// closes): reloading or reopening the panel resumes it where it was. It holds what the draft is
// made of — the tab, locators, step kinds, an ordinary field's value, the invoice picks — never a
// typed secret: the page recorder never sends one.

const KEY = 'recording';
const KEPT = ['tabId', 'startUrl', 'steps', 'list', 'pick', 'lastPage', 'phase'];

export async function readRecording() {
  const { [KEY]: recording } = await chrome.storage.session.get(KEY);
  return recording || null;
}

export function keepRecording(session) {
  const kept = Object.fromEntries(KEPT.map((name) => [name, session[name] ?? null]));
  return chrome.storage.session.set({ [KEY]: kept });
}

export function forgetRecording() {
  return chrome.storage.session.remove(KEY);
}
