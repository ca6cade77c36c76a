// « Gérer les comptes existants »: the account cards, their gear menu, and the add button.

import * as api from '../api.js';
import { errorMessage, h, saveFile } from '../dom.js';
import { confirmDialog } from '../dialog.js';
import { t } from '../i18n.js';
import { icon } from '../icons.js';
import { takeFocusAccount } from '../storage.js';
import * as state from '../store.js';
import { providerBadge, renderStatus } from './account-card.js';
import { demoCardBlock, tryDemoButton } from './demo.js';
import { menuButton } from './menu.js';

export function mountAccounts(container, { navigate, notify }) {
  const list = h('ul', { class: 'account-list', 'aria-labelledby': 'accounts-title' });
  const empty = h('div', { class: ['card', 'empty'], hidden: true },
    h('p', { class: 'empty-title' }, t('accountsEmptyTitle')),
    h('p', { class: 'muted' }, t('accountsEmptyText')),
    tryDemoButton({ navigate, notify }));
  const addButton = h('button', {
    type: 'button', class: ['btn', 'btn-primary', 'btn-block'], id: 'add-account',
    onClick: () => navigate('add-account'),
  }, icon('plus'), t('addAccount'));
  container.append(
    h('div', { class: 'view-head' }, h('h2', { id: 'accounts-title' }, t('accountsTitle'))),
    addButton, empty, list);

  const cards = new Map(); // account id -> {item, status}

  async function syncNow(account) {
    try {
      const job = await api.syncAccount(account.id);
      state.watchJob(job);
      notify(t('syncStarted', account.provider_name));
    } catch (error) {
      notify(errorMessage(error), 'error');
    }
  }

  async function diagnose(account) {
    try {
      state.watchJob(await api.checkRecipe(account.id));
      notify(t('checkStarted', account.provider_name));
    } catch (error) {
      notify(errorMessage(error), 'error');
    }
  }

  async function downloadReport(job) {
    try {
      const { blob, name } = await api.checkReport(job.id);
      saveFile(blob, name);
    } catch (error) {
      notify(errorMessage(error), 'error');
    }
  }

  async function remove(account) {
    const confirmed = await confirmDialog({
      title: t('deleteTitle', account.provider_name),
      message: t('deleteText'),
      confirmLabel: t('menuDelete'),
      danger: true,
    });
    if (!confirmed) return;
    try {
      await api.deleteAccount(account.id);
      state.removeAccount(account.id);
      notify(t('deleteDone', account.provider_name));
      addButton.focus();
    } catch (error) {
      notify(errorMessage(error), 'error');
    }
  }

  async function approve(account) {
    try {
      state.upsertAccount(await api.approveRecipe(account.id, account.recipe.fingerprint));
      notify(t('approvalDone', account.provider_name));
    } catch (error) {
      notify(errorMessage(error), 'error');
    }
  }

  async function setEnabled(account, enabled) {
    try {
      state.upsertAccount(await api.updateAccount(account.id, { enabled }));
      notify(enabled ? t('resumeDone', account.provider_name) : t('pauseDone', account.provider_name));
    } catch (error) {
      notify(errorMessage(error), 'error');
    }
  }

  function actionsFor(account) {
    return {
      onEdit: () => navigate('edit-credentials', { accountId: account.id }),
      onSync: () => syncNow(account),
      onApprove: () => approve(state.getAccount(account.id) || account),
      onDiagnose: () => diagnose(state.getAccount(account.id) || account),
      onReport: downloadReport,
    };
  }

  function createCard(account) {
    const status = h('div', { class: 'account-status', 'aria-live': 'polite' });
    const current = () => state.getAccount(account.id) || account;
    // The server refuses a sync of an account whose password was refused (it could lock it): the
    // menu does not offer one; the card's own button leads to the credentials.
    const refused = () => Boolean(current().blocked && current().last_outcome && current().last_outcome.code === 'LOGIN_FAILED');
    const menu = menuButton(t('menuLabel', account.provider_name), () => [
      refused() ? null : { label: t('menuSyncNow'), icon: 'sync', onSelect: () => syncNow(current()) },
      { label: t('menuEditCredentials'), icon: 'edit', onSelect: () => actionsFor(account).onEdit() },
      { label: t('menuHistory'), icon: 'list', onSelect: () => navigate('account-history', { accountId: account.id }) },
      current().enabled
        ? { label: t('menuPause'), icon: 'pause', onSelect: () => setEnabled(current(), false) }
        : { label: t('menuResume'), icon: 'clock', onSelect: () => setEnabled(current(), true) },
      { label: t('menuDelete'), icon: 'trash', danger: true, onSelect: () => remove(current()) },
    ]);
    const item = h('li', { class: ['card', 'account'], dataset: { accountId: String(account.id), provider: account.provider } },
      h('div', { class: 'account-head' },
        providerBadge(account.provider, account.provider_name),
        h('div', { class: 'account-title' },
          h('h3', {}, account.provider_name),
          account.login ? h('p', { class: 'account-login' }, account.login) : null),
        menu),
      status);
    const demo = account.demo ? demoCardBlock(account, notify) : null;
    if (demo) item.append(demo);
    return { item, status, demo };
  }

  // Re-render only what changed, so screen readers announce each change once.
  function update(card, account) {
    const signature = JSON.stringify([account, state.finishedJob(account.id)]);
    if (card.signature === signature) return;
    card.signature = signature;
    card.item.dataset.state = account.state;
    renderStatus(card.status, account, actionsFor(account));
    if (card.demo) card.demo.refresh(); // an invoice sent meanwhile may be in the test inbox
  }

  function render() {
    const accounts = state.getAccounts();
    empty.hidden = accounts.length > 0;
    const seen = new Set();
    let previous = null;
    for (const account of accounts) {
      seen.add(account.id);
      let card = cards.get(account.id);
      if (!card) {
        card = createCard(account);
        cards.set(account.id, card);
      }
      // Keep the server's order, moving a card only when it is out of place: moving a node drops
      // the keyboard focus inside it (an open gear menu) at every refresh.
      const expected = previous ? previous.nextElementSibling : list.firstElementChild;
      if (expected !== card.item) list.insertBefore(card.item, expected);
      previous = card.item;
      update(card, account);
    }
    for (const [id, card] of cards) {
      if (!seen.has(id)) {
        card.item.remove();
        cards.delete(id);
      }
    }
  }

  // Opened from a notification: show that account's card and put the keyboard focus on it.
  async function focusRequested() {
    if (!cards.size) return;
    const accountId = await takeFocusAccount();
    const card = accountId === null ? null : cards.get(accountId);
    if (!card) return;
    card.item.tabIndex = -1;
    card.item.classList.add('card-attention');
    card.item.scrollIntoView({ block: 'center' });
    card.item.focus();
  }

  function onJob(event) {
    const card = cards.get(event.detail.accountId);
    const account = state.getAccount(event.detail.accountId);
    if (card && account) update(card, account);
  }

  const renderAndFocus = () => { render(); focusRequested(); };
  const onStorage = (changes, area) => { if (area === 'local' && changes.focusAccount) focusRequested(); };
  state.store.addEventListener('accounts', renderAndFocus);
  state.store.addEventListener('job', onJob);
  chrome.storage.onChanged.addListener(onStorage);
  renderAndFocus();
  state.refreshAccounts().catch(() => {}); // fresh facts each time the tab opens
  return () => {
    state.store.removeEventListener('accounts', renderAndFocus);
    state.store.removeEventListener('job', onJob);
    chrome.storage.onChanged.removeListener(onStorage);
  };
}
