// « Historique »: an account's last syncs, newest first — when, how long, what started it, how it
// ended (a coloured label and the message in the panel's language) and what it found.

import * as api from '../api.js';
import { busy, errorMessage, h } from '../dom.js';
import { formatDateTime, formatSeconds } from '../format.js';
import { t, tp } from '../i18n.js';
import { icon } from '../icons.js';
import * as state from '../store.js';
import { outcomeText, providerBadge } from './account-card.js';

const FIRST_LIMIT = 20;
const MAX_LIMIT = 100; // the server's own limit
const TRIGGERS = {
  schedule: () => t('historyTriggerSchedule'), manual: () => t('historyTriggerManual'), create: () => t('historyTriggerCreate'),
};

/** The sync's outcome as {kind, label, message, detail}. */
export function describeSync(sync) {
  if (!sync.outcome) return { kind: 'busy', icon: 'sync', label: t('historyRunning') };
  if (sync.outcome.code === 'OK') return { kind: 'ok', icon: 'check', label: t('historyOk') };
  // `message` is the engine's own account of what went wrong (in English); shown when it says more.
  const detail = sync.outcome.message && sync.outcome.message !== sync.outcome.message_en ? sync.outcome.message : '';
  return { kind: 'error', icon: 'alert', label: t('historyFailed'), message: outcomeText(sync.outcome), detail };
}

/** « 3 nouvelles, 12 connues »; empty when the sync counted nothing (it failed before the list). */
export function countsOf(sync) {
  if (sync.listed === null && !sync.new_invoices) return '';
  // Invoices found on the first sync (baseline) were there before the account: known, too.
  const known = (sync.known || 0) + (sync.baseline || 0);
  return `${tp('historyNew', sync.new_invoices || 0)}, ${tp('historyKnown', known)}`;
}

function fact(label, value, wide = false) {
  return value ? h('div', { class: ['fact', wide ? 'fact-wide' : null] }, h('dt', {}, label), h('dd', {}, value)) : null;
}

function syncItem(sync) {
  const outcome = describeSync(sync);
  const when = formatDateTime(sync.started_at || sync.created_at);
  return h('li', { class: ['card', 'sync'], dataset: { syncId: String(sync.id), outcome: outcome.kind } },
    h('div', { class: 'sync-head' },
      h('h3', {}, when),
      h('span', { class: ['state', `state-${outcome.kind}`] }, icon(outcome.icon, 'icon icon-small'), outcome.label)),
    outcome.message ? h('p', { class: 'state-detail' }, outcome.message) : null,
    outcome.detail ? h('p', { class: ['sync-detail', 'small'] }, t('historyDetail', outcome.detail)) : null,
    h('dl', { class: ['facts', 'sync-facts'] },
      fact(t('historyInvoices'), countsOf(sync), true),
      fact(t('historyDuration'), sync.duration_seconds === null ? '' : formatSeconds(sync.duration_seconds)),
      fact(t('historyTrigger'), TRIGGERS[sync.trigger] ? TRIGGERS[sync.trigger]() : sync.trigger)));
}

export function mountAccountHistory(container, { navigate, accountId }) {
  const account = state.getAccount(accountId);
  if (!account) {
    navigate('accounts');
    return null;
  }
  const back = h('button', { type: 'button', class: ['btn', 'btn-ghost', 'btn-small', 'back'], onClick: () => navigate('accounts') },
    icon('back'), t('backToAccounts'));
  const title = h('h2', { id: 'history-title', tabindex: '-1' }, t('historyTitle', account.provider_name));
  const status = h('p', { class: ['muted', 'small'], role: 'status', 'aria-live': 'polite' }, t('loading'));
  const list = h('ol', { class: 'sync-list', 'aria-labelledby': 'history-title' });
  const more = h('button', { type: 'button', class: ['btn', 'btn-ghost', 'btn-block'], hidden: true }, t('historyMore'));
  container.append(back,
    h('div', { class: 'view-head' },
      providerBadge(account.provider, account.provider_name),
      h('div', { class: 'account-title' }, title,
        account.login ? h('p', { class: 'account-login' }, account.login) : null)),
    status, list, more);
  title.focus(); // a screen reader starts at the view's name

  let limit = FIRST_LIMIT;
  let alive = true;

  async function load() {
    let syncs;
    try {
      syncs = await api.accountHistory(accountId, limit);
    } catch (error) {
      if (alive) status.textContent = errorMessage(error);
      return;
    }
    if (!alive) return;
    list.replaceChildren(...syncs.map(syncItem));
    status.textContent = syncs.length ? tp('historyCount', syncs.length) : t('historyEmpty');
    more.hidden = syncs.length < limit || limit >= MAX_LIMIT;
  }

  more.addEventListener('click', () => {
    limit = MAX_LIMIT;
    busy(more, load);
  });
  const onJobFinished = (event) => { if (event.detail.accountId === accountId) load(); };
  state.store.addEventListener('jobfinished', onJobFinished);
  load();
  return () => {
    alive = false;
    state.store.removeEventListener('jobfinished', onJobFinished);
  };
}
