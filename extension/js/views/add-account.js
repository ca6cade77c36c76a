// « Ajouter un nouveau compte »: choose a provider, accept its terms, enter its credentials,
// optionally collect older invoices too; the first collection then starts.

import * as api from '../api.js';
import { busy, clearErrors, errorMessage, field, h, setStatus, show, showErrors, statusLine, valueOf, fieldError } from '../dom.js';
import { formatDate, todayIso } from '../format.js';
import { localized, t, tp } from '../i18n.js';
import { icon } from '../icons.js';
import { loginVerdict } from '../login-check.js';
import * as state from '../store.js';
import { providerBadge } from './account-card.js';
import { tryDemoButton } from './demo.js';
import { checkRequired, credentialFields, optionFields, readCredentials, readOptions } from './provider-fields.js';

const SEARCH_DELAY_MS = 200;

function backButton(label, onClick) {
  return h('button', { type: 'button', class: ['btn', 'btn-ghost', 'btn-small', 'back'], onClick }, icon('back'), label);
}

function betaBadge(provider) {
  return provider.status === 'beta' ? h('span', { class: ['tag', 'tag-beta'] }, t('beta')) : null;
}

export function mountAddAccount(container, context) {
  if (context.demo) showForm(container, context, context.demo.provider, '', context.demo.credentials);
  else if (context.provider) showForm(container, context, context.provider, ''); // a recipe just recorded
  else showSearch(container, context);
}

function showSearch(container, context, initialQuery = '') {
  const results = h('ul', { class: 'provider-list', id: 'provider-results', 'aria-labelledby': 'add-title' });
  const count = h('p', { class: ['muted', 'small'], role: 'status', 'aria-live': 'polite' });
  const search = field({
    name: 'q', label: t('providerSearchLabel'), type: 'search', value: initialQuery,
    placeholder: t('providerSearchPlaceholder'), attributes: { 'aria-controls': 'provider-results' },
  });
  const input = search.querySelector('input');
  show(container,
    backButton(t('backToAccounts'), () => context.navigate('accounts')),
    h('div', { class: 'view-head' }, h('h2', { id: 'add-title' }, t('addAccountTitle'))),
    h('p', { class: 'muted' }, t('addAccountIntro')),
    search, count, results,
    recordRecipeBlock(context),
    tryDemoButton(context));

  let timer = null;
  let generation = 0;
  async function load() {
    const mine = ++generation;
    let providers;
    try {
      providers = await api.listProviders(input.value);
    } catch (error) {
      count.textContent = errorMessage(error);
      return;
    }
    if (mine !== generation) return; // a newer search is on its way
    count.textContent = providers.length ? tp('providersFound', providers.length) : t('providersNone');
    results.replaceChildren(...providers.map((provider) => h('li', {},
      h('button', {
        type: 'button', class: 'provider-choice', dataset: { provider: provider.id },
        onClick: () => showForm(container, context, provider, input.value),
      },
      providerBadge(provider.id, provider.name, Boolean(provider.logo_url)),
      h('span', { class: 'provider-choice-text' },
        h('span', { class: 'provider-name' }, provider.name, betaBadge(provider)),
        provider.category ? h('span', { class: ['muted', 'small'] }, catalogText(provider, 'category')) : null),
      icon('back', 'icon icon-small chevron')))));
  }
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(load, SEARCH_DELAY_MS);
  });
  input.focus();
  load();
}

/** « Mon fournisseur n'est pas dans la liste »: opens into « Enregistrer une recette ». */
function recordRecipeBlock({ navigate }) {
  return h('details', { class: 'record-recipe-block' },
    h('summary', {}, t('recorderMissing')),
    h('p', { class: ['muted', 'small'] }, t('recorderMissingHelp')),
    h('button', { type: 'button', class: ['btn', 'btn-ghost', 'btn-block', 'record-recipe'], onClick: () => navigate('recorder') },
      t('recorderOpen')));
}

/** A catalog text (category, description, status note, terms) in the panel's language. */
function catalogText(provider, name) {
  const texts = provider.texts || {};
  return localized(texts[name]) || (name === 'terms' ? (provider.terms || {}).text : provider[name]) || '';
}

function termsSection(provider) {
  const terms = provider.terms || {};
  const checkbox = field({ name: 'terms_accepted', type: 'checkbox', label: t('termsAccept', provider.name) });
  return h('fieldset', { class: 'section' },
    h('legend', {}, t('termsTitle')),
    terms.text ? h('div', { class: 'terms-text', tabindex: '0', role: 'region', 'aria-label': t('termsTitle') }, catalogText(provider, 'terms')) : null,
    terms.url ? h('p', {}, h('a', { href: terms.url, target: '_blank', rel: 'noopener noreferrer' }, t('termsLink'))) : null,
    terms.version ? h('p', { class: ['muted', 'small'] }, t('termsVersion', terms.version)) : null,
    checkbox);
}

function sinceSection() {
  const toggle = field({ name: 'since_enabled', type: 'checkbox', label: t('sinceToggle') });
  const date = field({ name: 'since', type: 'date', label: t('sinceLabel'), attributes: { max: todayIso(), disabled: true } });
  const dateInput = date.querySelector('input');
  date.hidden = true;
  toggle.querySelector('input').addEventListener('change', (event) => {
    date.hidden = !event.target.checked;
    dateInput.disabled = !event.target.checked;
    if (event.target.checked) dateInput.focus();
  });
  return h('fieldset', { class: 'section' },
    h('legend', {}, t('sinceTitle')),
    h('p', { class: ['muted', 'small'] }, t('sinceExplain')),
    toggle, date);
}

/** Where the credentials will go (the recipe's origins), shown before they are typed. */
function originsSection(provider) {
  const origins = provider.origins || [];
  return h('fieldset', { class: ['section', 'origins'] },
    h('legend', {}, t('originsTitle')),
    provider.local ? h('p', { class: ['banner', 'banner-warning'] }, h('strong', {}, t('localRecipe')), ' ', t('localRecipeExplain')) : null,
    h('p', { class: ['muted', 'small'] }, t('originsExplain')),
    h('ul', { class: 'origin-list' }, origins.map((origin) => h('li', {}, h('code', {}, origin)))));
}

/** `demoCredentials`: the demo supplier's, filled in for the user (« Essayer avec un fournisseur de démonstration »). */
function showForm(container, context, provider, query, demoCredentials = null) {
  const status = statusLine();
  const submit = h('button', {
    type: 'submit', class: ['btn', 'btn-primary', 'btn-block'], id: 'add-submit', disabled: true,
    'aria-describedby': 'add-submit-hint',
  }, t('addSubmit'));
  const hint = h('p', { class: ['muted', 'small'], id: 'add-submit-hint' }, t('addSubmitHint'));
  const form = h('form', { class: 'form', novalidate: true, dataset: { provider: provider.id } },
    termsSection(provider),
    h('fieldset', { class: 'section' },
      h('legend', {}, t('credentialsTitle', provider.name)),
      credentialFields(provider),
      h('p', { class: ['muted', 'small'] }, t('credentialsKeyringNote'))),
    originsSection(provider),
    (provider.options || []).length ? h('fieldset', { class: 'section' }, h('legend', {}, t('providerOptionsTitle')), optionFields(provider)) : null,
    sinceSection(),
    status, submit, hint);
  for (const [name, value] of Object.entries(demoCredentials || {})) {
    const input = form.querySelector(`[data-field="credentials.${name}"]`);
    if (input) input.value = value;
  }
  const terms = form.querySelector('[data-field="terms_accepted"]');
  terms.addEventListener('change', () => {
    submit.disabled = !terms.checked; // the terms gate: nothing can be sent before they are accepted
    hint.hidden = terms.checked;
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!terms.checked) return;
    clearErrors(form);
    setStatus(status, '');
    if (!checkRequired(form, provider)) return;
    const payload = {
      provider: provider.id,
      terms_accepted: true,
      credentials: readCredentials(form, provider),
      options: readOptions(form, provider),
    };
    if (valueOf(form, 'since_enabled')) {
      payload.since = valueOf(form, 'since');
      if (!payload.since) {
        fieldError(form, 'since', t('fieldRequired'));
        return;
      }
    }
    let notice = payload.since ? t('addDoneSince', provider.name, formatDate(payload.since)) : t('addDone', provider.name);
    try {
      let job;
      if (added) {
        // Refused before: the account exists; these credentials replace the refused ones.
        const account = await busy(submit, () => api.updateCredentials(added.id, payload.credentials));
        state.upsertAccount(account);
        job = account.job;
      } else {
        const answer = await busy(submit, () => api.createAccount(payload));
        answer.account.job = answer.job;
        state.upsertAccount(answer.account);
        added = answer.account;
        job = answer.job;
        if (answer.already_sent) notice += ` ${tp('alreadySent', answer.already_sent)}`; // the ledger: never twice
      }
      if (job) await waitForLogin(job, notice);
      else context.navigate('accounts', { notice });
    } catch (error) {
      showErrors(form, status, error);
    }
  });

  // The form stays until the portal has answered the login: a refusal is said here, by the field.
  let added = null;
  async function waitForLogin(job, notice) {
    state.watchJob(job);
    submit.disabled = true;
    submit.setAttribute('aria-busy', 'true');
    setStatus(status, t('loginChecking', provider.name), 'info');
    const skip = h('button', { type: 'button', class: ['btn', 'btn-ghost', 'btn-small'] }, t('loginCheckSkip'));
    skip.addEventListener('click', () => context.navigate('accounts', { notice }));
    status.append(' ', skip);
    const { verdict, outcome } = await loginVerdict(job.id);
    if (!form.isConnected) return; // the user went elsewhere meanwhile
    submit.disabled = false;
    submit.removeAttribute('aria-busy');
    if (verdict !== 'refused') {
      context.navigate('accounts', { notice });
      return;
    }
    setStatus(status, localized(outcome, 'message') || t('loginRefused', provider.name), 'error');
    submit.textContent = t('loginRetry');
    const secret = provider.credentials.find((credential) => credential.secret) || provider.credentials[0];
    fieldError(form, secret.name, t('loginRefused', provider.name));
  }

  show(container,
    backButton(t('backToProviders'), () => showSearch(container, context, query)),
    demoCredentials ? h('p', { class: ['banner', 'banner-info', 'demo-banner'] }, h('strong', {}, t('demoTitle')), ' ', t('demoFormExplain')) : null,
    h('div', { class: ['card', 'provider-card'] },
      h('div', { class: 'account-head' },
        providerBadge(provider.id, provider.name, Boolean(provider.logo_url)),
        h('div', { class: 'account-title' },
          h('h2', { id: 'add-title' }, provider.name, betaBadge(provider)),
          provider.homepage ? h('p', { class: ['muted', 'small'] }, new URL(provider.homepage).host) : null)),
      provider.description ? h('p', {}, catalogText(provider, 'description')) : null,
      provider.status === 'beta'
        ? h('p', { class: ['banner', 'banner-warning'] }, h('strong', {}, t('betaTitle')), ' ', catalogText(provider, 'status_note') || t('betaDefault'))
        : null),
    form);
  terms.focus();
}
