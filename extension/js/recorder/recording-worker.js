// The service worker's part of a recording: it turns the page recorder's events into steps and
// keeps them (recording-state.js), whether the panel is open or not, and puts the page recorder
// into each page the recorded tab loads. The panel shows the steps and asks for the invoice picks.

import { addEvent } from './draft.js';
import { keepSteps, readRecording, readSteps } from './recording-state.js';

export const PAGE_RECORDER = 'js/recorder/page-recorder.js';

let queue = Promise.resolve(); // one event at a time: each one reads the steps the previous one wrote

export function watchRecordings() {
  chrome.runtime.onMessage.addListener((message, sender) => {
    if (!message || message.type !== 'recorder-event' || !sender.tab || message.event.action === 'picked') return false;
    queue = queue.then(() => record(message.event, sender.tab.id)).catch((error) => console.warn('recording failed', error));
    return false;
  });
  chrome.tabs.onUpdated.addListener((tabId, change) => {
    if (change.status !== 'complete') return;
    readRecording().then((recording) => {
      if (!recording || recording.tabId !== tabId) return null;
      // Every frame: some portals put their login form in an iframe. A page no extension may
      // touch, or of a site not allowed yet, refuses: the panel says so when it is open.
      return chrome.scripting.executeScript({ target: { tabId, allFrames: true }, files: [PAGE_RECORDER] });
    }).catch(() => {});
  });
}

async function record(event, tabId) {
  const recording = await readRecording();
  if (!recording || recording.tabId !== tabId || recording.phase !== 'recording') return;
  const { steps, lastPage } = await readSteps();
  await keepSteps({ steps: addEvent(steps, event, lastPage), lastPage: event.action === 'page' ? event : lastPage });
}
