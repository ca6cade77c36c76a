// The recording in progress, kept in chrome.storage.session (memory only, gone when the browser
// closes): reloading, closing or reopening the panel resumes it where it was. Two entries, each
// written by one side: `recording` by the panel (the tab, the phase, the invoice picks) and
// `recordedSteps` by the service worker (the steps it makes of the page recorder's events, panel
// open or not: recording-worker.js). Neither holds a typed secret: the page recorder never sends one.

const RECORDING = 'recording';
const STEPS = 'recordedSteps';
const KEPT = ['tabId', 'startUrl', 'list', 'pick', 'phase'];
const NO_STEPS = { steps: [], lastPage: null };

export async function readRecording() {
  const { [RECORDING]: recording } = await chrome.storage.session.get(RECORDING);
  return recording || null;
}

/** The panel's part; a new recording (`fresh`) starts with no step. */
export function keepRecording(session, fresh = false) {
  const kept = Object.fromEntries(KEPT.map((name) => [name, session[name] ?? null]));
  return chrome.storage.session.set(fresh ? { [RECORDING]: kept, [STEPS]: NO_STEPS } : { [RECORDING]: kept });
}

export function forgetRecording() {
  return chrome.storage.session.remove([RECORDING, STEPS]);
}

/** The steps so far, and the last page seen (what a new page's landmarks are compared with). */
export async function readSteps() {
  const { [STEPS]: recorded } = await chrome.storage.session.get(STEPS);
  return recorded || NO_STEPS;
}

export function keepSteps(recorded) {
  return chrome.storage.session.set({ [STEPS]: recorded });
}

/** Calls `listener(steps)` each time the service worker records a step. Returns how to stop. */
export function onStepsRecorded(listener) {
  const watch = (changes) => {
    if (changes[STEPS] && changes[STEPS].newValue) listener(changes[STEPS].newValue.steps);
  };
  chrome.storage.session.onChanged.addListener(watch);
  return () => chrome.storage.session.onChanged.removeListener(watch);
}
