// « Essayer avec un fournisseur de démonstration »: the server starts the bundled demo supplier
// on demand; the add form then opens on it with the demo credentials. On the demo account's card:
// « Publier une nouvelle facture » (the portal issues one and the account syncs) and the local
// test inbox that stands in for Libeo while Libeo is not set up.

import * as api from '../api.js';
import { busy, errorMessage, h } from '../dom.js';
import { t, tp } from '../i18n.js';
import { icon } from '../icons.js';
import * as state from '../store.js';

/** The button that starts the demo and opens the add form on it. */
export function tryDemoButton({ navigate, notify }) {
  const button = h('button', { type: 'button', class: ['btn', 'btn-ghost', 'btn-block', 'try-demo'] },
    icon('sync'), t('demoTry'));
  button.addEventListener('click', async () => {
    try {
      const demo = await busy(button, () => api.startDemo());
      navigate('add-account', { demo });
    } catch (error) {
      notify(errorMessage(error), 'error');
    }
  });
  return h('div', { class: 'try-demo-block' }, button, h('p', { class: ['muted', 'small'] }, t('demoTryHint')));
}

function inboxMessages(messages) {
  if (!messages.length) return h('p', { class: ['muted', 'small'] }, t('demoInboxEmpty'));
  return h('ul', { class: 'demo-inbox-list' }, messages.slice(0, 3).map((message) => h('li', {},
    icon('check', 'icon icon-small'), ' ', message.subject,
    message.attachments.length ? h('span', { class: ['muted', 'small'] }, ` — ${message.attachments.join(', ')}`) : null)));
}

/**
 * The demo account's own block on its card. `refresh()` reads the test inbox again (the card
 * calls it when the account changes, e.g. once an invoice has been sent).
 */
export function demoCardBlock(account, notify) {
  const inbox = h('div', { class: 'demo-inbox', 'aria-live': 'polite' });
  const publish = h('button', { type: 'button', class: ['btn', 'btn-small', 'btn-primary', 'publish-demo'] },
    t('demoPublish'));
  let watching = null;

  async function refresh() {
    let demo;
    try {
      demo = await api.demoState();
    } catch {
      return; // offline: the panel says so elsewhere
    }
    const box = demo.test_inbox;
    if (box.in_use) {
      inbox.replaceChildren(
        h('p', { class: 'small' }, h('strong', {}, t('demoInboxInUse')), ' ', tp('demoInboxCount', box.messages.length, box.address)),
        inboxMessages(box.messages));
    } else if (box.available) {
      const use = h('button', { type: 'button', class: ['btn', 'btn-small', 'btn-ghost', 'use-test-inbox'] }, t('demoInboxUse'));
      use.addEventListener('click', async () => {
        try {
          await busy(use, () => api.useDemoTestInbox());
          notify(t('demoInboxUsed'));
          refresh();
        } catch (error) {
          notify(errorMessage(error), 'error');
        }
      });
      inbox.replaceChildren(h('p', { class: ['muted', 'small'] }, t('demoInboxExplain')), use);
    } else {
      inbox.replaceChildren(h('p', { class: ['muted', 'small'] }, t('demoInboxUnavailable')));
    }
    return box.messages.length;
  }

  // After a publication, look at the test inbox until the new invoice has reached it.
  function watchInbox(before) {
    clearInterval(watching);
    let tries = 0;
    watching = setInterval(async () => {
      const count = await refresh();
      if (!block.isConnected || count > before || ++tries > 60) clearInterval(watching);
    }, 2000);
  }

  publish.addEventListener('click', async () => {
    try {
      const before = (await api.demoState()).test_inbox.messages.length;
      const answer = await busy(publish, () => api.publishDemoInvoice());
      if (answer.job) state.watchJob(answer.job);
      notify(t('demoPublished', answer.invoice.number));
      watchInbox(before);
    } catch (error) {
      notify(errorMessage(error), 'error');
    }
  });

  const block = h('div', { class: 'demo-block' },
    h('p', { class: ['muted', 'small'] }, h('span', { class: ['tag', 'tag-demo'] }, t('demoTag')), ' ', t('demoCardExplain')),
    h('div', { class: 'actions' }, publish),
    inbox);
  block.refresh = refresh;
  refresh();
  return block;
}
