// The toolbar button opens the side panel. Called each time the worker starts: Chrome may stop
// the worker at any time, and the call is cheap and idempotent.
import { getLibeoSettings, listAccounts } from './js/api.js';
import { attentionItems } from './js/attention.js';
import { watchRecordings } from './js/recorder/recording-worker.js';

chrome.sidePanel.setPanelBehavior({ openPanelOnActionClick: true })
  .catch((error) => console.error('setPanelBehavior failed', error));

// A recipe being recorded (« Enregistrer une recette »): its steps are kept here, panel open or not.
watchRecordings();

// Every minute (Chrome's shortest alarm), even with the panel closed: what needs the user?
const ALARM = 'attention';
const BADGE_COLOR = '#c0392b';
chrome.alarms.get(ALARM).then((alarm) => {
  if (!alarm) chrome.alarms.create(ALARM, { delayInMinutes: 0.1, periodInMinutes: 1 });
});
chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === ALARM) checkAttention().catch((error) => console.warn('attention check failed', error));
});
// The panel asks for a check when it changed something (and the tests, to not wait a minute).
chrome.runtime.onMessage.addListener((message, sender, reply) => {
  if (message && message.type === 'check-attention') {
    checkAttention().then(reply, (error) => reply({ error: String(error) }));
    return true; // the answer comes later
  }
  return false;
});

/** Badge with the count; one notification per new event; events no longer current are forgotten. */
async function checkAttention() {
  let items;
  try {
    const [accounts, libeo] = await Promise.all([listAccounts(), getLibeoSettings().catch(() => null)]);
    items = attentionItems(accounts, libeo);
  } catch (error) {
    await chrome.action.setBadgeText({ text: '' }); // offline or not paired: the panel says so
    return { count: 0, error: String(error) };
  }
  await chrome.action.setBadgeBackgroundColor({ color: BADGE_COLOR });
  await chrome.action.setBadgeText({ text: items.length ? String(items.length) : '' });
  const { notified = {} } = await chrome.storage.local.get('notified');
  const current = {};
  for (const item of items) {
    current[item.key] = item.accountId;
    if (item.key in notified) continue;
    await chrome.notifications.create(item.key, {
      type: 'basic', iconUrl: 'icons/icon-128.png', title: item.title, message: item.message, priority: 2,
    });
  }
  await chrome.storage.local.set({ notified: current });
  return { count: items.length, keys: items.map((item) => item.key) };
}

// A click on a notification opens the panel on its account (the panel reads focusAccount).
chrome.notifications.onClicked.addListener(async (key) => {
  const { notified = {} } = await chrome.storage.local.get('notified');
  await chrome.storage.local.set({ focusAccount: notified[key] ?? null });
  chrome.notifications.clear(key);
  const window = await chrome.windows.getLastFocused();
  try {
    await chrome.sidePanel.open({ windowId: window.id });
  } catch (error) { // no user gesture recognised: the same panel, in a tab
    await chrome.tabs.create({ url: chrome.runtime.getURL('panel.html') });
  }
});
