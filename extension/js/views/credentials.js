// « Modifier mes identifiants »: the provider's credential form for an existing account.

import * as api from '../api.js';
import { busy, clearErrors, errorMessage, h, setStatus, showErrors, statusLine } from '../dom.js';
import { t } from '../i18n.js';
import { icon } from '../icons.js';
import * as state from '../store.js';
import { outcomeText, providerBadge } from './account-card.js';
import { checkRequired, credentialFields, readCredentials } from './provider-fields.js';

export function mountEditCredentials(container, { navigate, accountId }) {
  const account = state.getAccount(accountId);
  const back = h('button', { type: 'button', class: ['btn', 'btn-ghost', 'btn-small', 'back'], onClick: () => navigate('accounts') },
    icon('back'), t('backToAccounts'));
  if (!account) {
    navigate('accounts');
    return null;
  }
  const loading = h('p', { class: 'muted', role: 'status' }, t('loading'));
  container.replaceChildren(back, loading);
  let alive = true;

  state.loadProviders().then((providers) => {
    if (!alive) return;
    const provider = providers.get(account.provider);
    if (!provider) {
      loading.textContent = t('providerMissing', account.provider);
      return;
    }
    render(provider);
  }).catch((error) => {
    if (alive) loading.textContent = errorMessage(error);
  });

  function render(provider) {
    const status = statusLine();
    const submit = h('button', { type: 'submit', class: ['btn', 'btn-primary', 'btn-block'], id: 'credentials-submit' }, t('updateSubmit'));
    // The login shown on the card is the first visible credential: pre-fill it, never a secret.
    const firstVisible = provider.credentials.find((item) => !item.secret);
    const values = firstVisible && account.login ? { [firstVisible.name]: account.login } : {};
    const form = h('form', { class: 'form', novalidate: true },
      h('fieldset', { class: 'section' },
        h('legend', {}, t('credentialsTitle', provider.name)),
        credentialFields(provider, values, { editing: true }),
        h('p', { class: ['muted', 'small'] }, t('credentialsKeyringNote'))),
      status, submit);
    const blocked = account.blocked && account.last_outcome
      ? h('p', { class: ['banner', 'banner-error'] }, outcomeText(account.last_outcome)) : null;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearErrors(form);
      setStatus(status, '');
      if (!checkRequired(form, provider, { editing: true })) return;
      try {
        const updated = await busy(submit, () => api.updateCredentials(account.id, readCredentials(form, provider)));
        state.upsertAccount(updated);
        navigate('accounts', { notice: t('updateDone', provider.name) });
      } catch (error) {
        showErrors(form, status, error);
      }
    });
    container.replaceChildren(back,
      h('div', { class: 'view-head' },
        providerBadge(provider.id, provider.name, Boolean(provider.logo_url)),
        h('h2', { id: 'edit-title' }, t('editTitle', provider.name))),
      ...[blocked, form].filter(Boolean)); // replaceChildren writes a null as the text "null"
    form.querySelector('input').focus();
  }

  return () => {
    alive = false;
  };
}
