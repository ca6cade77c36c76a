// The recorded recipe, before it is saved: the user names the provider, the server checks the
// draft (its problems shown at their line), tries it headless with the credentials typed here
// (sent with that one request, kept nowhere: not in storage, not in the draft), and saves it
// into providers.d/. Then « Ajouter un compte » opens the usual form on it.

import * as api from '../api.js';
import { busy, clearErrors, errorMessage, field, h, setStatus, show, showErrors, statusLine } from '../dom.js';
import { formatAmount, formatDate } from '../format.js';
import { t, tp } from '../i18n.js';
import { numbersRead, recipeYaml, slug } from '../recorder/draft.js';
import { checkRequired, credentialFields, readCredentials } from './provider-fields.js';

const TRIAL_POLL_MS = 1000;

/** A name to start from: the site's own name in its address (espace.hydra-eau.fr → Hydra-eau). */
function suggestedName(startUrl) {
  const labels = new URL(startUrl).hostname.split('.');
  const main = labels.length > 1 && !/^\d+$/.test(labels[labels.length - 1]) ? labels[labels.length - 2] : labels.join('.');
  return main.charAt(0).toUpperCase() + main.slice(1);
}

export function showDraft(container, context, recording) {
  let edited = false; // once the user edits the YAML by hand, the name no longer rewrites it
  let provider = null; // the checked draft's provider (its credential fields)
  let polling = null;
  const nameField = field({ name: 'name', label: t('recorderNameLabel'), value: suggestedName(recording.startUrl),
    help: t('recorderNameHelp') });
  const yaml = h('textarea', { class: 'recorder-yaml', rows: 14, spellcheck: false, 'aria-label': t('recorderYamlLabel') });
  const problems = h('div', { class: 'recorder-problems', 'aria-live': 'polite' });
  const trialForm = h('form', { class: ['section', 'recorder-try'], novalidate: true });
  const trialResult = h('div', { class: 'recorder-trial', 'aria-live': 'polite' });
  const saveStatus = statusLine();
  const save = h('button', { type: 'button', class: ['btn', 'btn-primary', 'btn-block', 'recorder-save'] }, t('recorderSave'));
  const nameInput = nameField.querySelector('input');

  const draftText = () => yaml.value;
  function regenerate() {
    if (edited) return;
    const name = nameInput.value.trim() || suggestedName(recording.startUrl);
    yaml.value = recipeYaml({ id: slug(name), name, startUrl: recording.startUrl, steps: recording.steps, list: recording.list });
  }

  /** Asks the server; shows every problem, or the credential fields of the valid draft. */
  async function check() {
    problems.replaceChildren();
    try {
      const answer = await api.checkDraft(draftText());
      provider = answer.provider;
      problems.replaceChildren(h('p', { class: ['banner', 'banner-info', 'recorder-valid'] }, t('recorderValid')));
      renderTrialForm();
      return true;
    } catch (error) {
      const list = (error.body && error.body.problems) || [];
      problems.replaceChildren(h('div', { class: ['banner', 'banner-error'] },
        h('p', {}, errorMessage(error)),
        list.length ? h('ul', { class: 'recorder-problem-list' }, list.map((problem) => h('li', {}, h('code', {}, problem.text)))) : null));
      return false;
    }
  }

  function renderTrialForm() {
    const status = statusLine();
    const run = h('button', { type: 'submit', class: ['btn', 'btn-ghost', 'btn-block'] }, t('recorderTry'));
    trialForm.replaceChildren(h('h3', {}, t('recorderTryTitle')),
      h('p', { class: ['muted', 'small'] }, t('recorderTryHelp')),
      ...credentialFields(provider), status, run);
    trialForm.onsubmit = async (event) => {
      event.preventDefault();
      clearErrors(trialForm);
      if (!checkRequired(trialForm, provider)) return;
      setStatus(status, t('recorderTrying'), 'info'); // the check and a browser's start take a few seconds
      trialResult.replaceChildren();
      try {
        const trial = await busy(run, () => api.tryDraft(draftText(), readCredentials(trialForm, provider)));
        watchTrial(trial.id, status);
      } catch (error) {
        showErrors(trialForm, status, error);
      }
    };
  }

  function watchTrial(trialId, status) {
    clearTimeout(polling);
    polling = setTimeout(async () => {
      let trial;
      try {
        trial = await api.getTrial(trialId);
      } catch (error) {
        setStatus(status, errorMessage(error), 'error');
        return;
      }
      if (trial.state === 'waiting_for_code') {
        if (!trialResult.querySelector('.recorder-code')) trialResult.replaceChildren(codeForm(trialId, trial.prompt));
        setStatus(status, '');
        watchTrial(trialId, status);
        return;
      }
      trialResult.querySelector('.recorder-code')?.remove();
      if (trial.state === 'running') {
        setStatus(status, trial.listed ? tp('recorderTryingListed', trial.listed) : t('recorderTrying'), 'info');
        watchTrial(trialId, status);
        return;
      }
      setStatus(status, '');
      trialResult.replaceChildren(trialSummary(trial));
      trialResult.scrollIntoView({ block: 'nearest' }); // the answer to what they asked, below the fold
    }, TRIAL_POLL_MS);
  }

  save.addEventListener('click', () => saveDraft(false));
  async function saveDraft(overwrite) {
    setStatus(saveStatus, '');
    if (!provider && !(await check())) return;
    let answer;
    try {
      answer = await busy(save, () => api.saveRecipe(draftText(), overwrite));
    } catch (error) {
      setStatus(saveStatus, errorMessage(error), 'error');
      if (error.code === 'PROVIDER_EXISTS') {
        saveStatus.append(' ', h('button', { type: 'button', class: ['btn', 'btn-small', 'btn-danger', 'recorder-replace'],
          onClick: () => saveDraft(true) }, t('recorderReplace')));
      }
      return;
    }
    recording.onSaved();
    show(container,
      h('div', { class: 'view-head' }, h('h2', {}, t('recorderSavedTitle'))),
      h('p', { class: ['banner', 'banner-info', 'recorder-saved'] }, t('recorderSaved', answer.provider.name),
        ' ', h('code', {}, answer.file)),
      h('button', { type: 'button', class: ['btn', 'btn-primary', 'btn-block', 'recorder-add-account'],
        onClick: () => context.navigate('add-account', { provider: answer.provider }) }, t('addAccount')));
  }

  nameInput.addEventListener('input', () => {
    regenerate();
    provider = null;
  });
  yaml.addEventListener('input', () => {
    edited = true;
    provider = null;
  });
  const checkButton = h('button', { type: 'button', class: ['btn', 'btn-ghost', 'btn-small'] }, t('recorderCheck'));
  checkButton.addEventListener('click', () => busy(checkButton, check));
  regenerate();
  show(container,
    h('div', { class: 'view-head' }, h('h2', {}, t('recorderDraftTitle'))),
    samplesTable(recording.list),
    h('div', { class: 'section' }, nameField,
      h('details', { class: 'recorder-yaml-block' }, h('summary', {}, t('recorderShowYaml')), yaml,
        h('p', { class: ['muted', 'small'] }, t('recorderYamlHelp'))),
      h('div', { class: 'actions' }, checkButton,
        h('button', { type: 'button', class: ['btn', 'btn-ghost', 'btn-small'], onClick: recording.onBack }, t('recorderPickAgain')))),
    problems, trialForm, trialResult, saveStatus, save);
  check();
}

/** The portal asks for a one-time code during the trial: the user types it here, as for a sync. */
function codeForm(trialId, prompt) {
  const status = statusLine();
  const code = field({ name: 'code', label: (prompt && prompt.text) || t('recorderCodeLabel'), autocomplete: 'one-time-code',
    attributes: { inputmode: 'numeric' } });
  const send = h('button', { type: 'submit', class: ['btn', 'btn-primary'] }, t('recorderCodeSend'));
  const form = h('form', { class: ['section', 'recorder-code'], novalidate: true },
    h('p', { class: 'recorder-ask' }, t('recorderCodeAsked')), code, status, send);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await busy(send, () => api.sendTrialCode(trialId, form.elements.code.value));
      form.remove();
    } catch (error) {
      showErrors(form, status, error);
    }
  });
  return form;
}

function trialSummary(trial) {
  if (trial.state !== 'succeeded') {
    return h('div', { class: ['banner', 'banner-error', 'recorder-trial-failed'] },
      h('p', {}, h('strong', {}, trial.outcome), ' ', trial.message || ''));
  }
  // Listed on the site but not returned: no PDF yet (the recipe leaves it for a later sync).
  const waiting = Math.max(0, trial.listed - trial.invoices.length);
  return h('div', { class: 'recorder-trial-ok' },
    h('p', { class: ['banner', 'banner-info'] }, tp('recorderFound', trial.invoices.length)),
    waiting ? h('p', { class: ['muted', 'small', 'recorder-not-yet'] }, tp('recorderNotYet', waiting)) : null,
    h('table', { class: 'recorder-table' },
      h('thead', {}, h('tr', {}, h('th', {}, t('recorderColumnNumber')), h('th', {}, t('recorderColumnDate')),
        h('th', {}, t('recorderColumnAmount')))),
      h('tbody', {}, trial.invoices.map((invoice) => h('tr', {},
        h('td', {}, invoice.number), h('td', {}, invoice.date ? formatDate(invoice.date) : '—'),
        h('td', {}, invoice.amount ? formatAmount(invoice.amount, invoice.currency) : '—'))))));
}

/** The values read from the first rows, one column per field picked so far, for the user to confirm. */
export function samplesTable(list) {
  const names = ['id', 'date', 'amount', 'pdf'].filter((name) => list && list.samples[name]);
  if (!names.length) return null;
  const header = { id: t('recorderColumnNumber'), date: t('recorderColumnDate'), amount: t('recorderColumnAmount'), pdf: t('recorderColumnPdf') };
  const read = { ...list.samples, id: list.samples.id && numbersRead(list.samples.id) };
  const rows = list.samples[names[0]].map((_, row) => h('tr', {}, names.map((name) => h('td', {},
    read[name][row] || '—'))));
  return h('div', { class: 'recorder-samples' },
    h('p', { class: ['muted', 'small'] }, t('recorderSamples', String(list.count))),
    h('table', { class: 'recorder-table' }, h('thead', {}, h('tr', {}, names.map((name) => h('th', {}, header[name])))),
      h('tbody', {}, rows)));
}
