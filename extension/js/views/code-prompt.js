// One-time codes: when a running collection waits for a code (SMS, e-mail, app), the panel asks
// for it at the top, whatever tab is open, with the provider's own prompt.

import { sendCode } from '../api.js';
import { busy, clearErrors, field, fieldError, h, showErrors, statusLine, valueOf } from '../dom.js';
import { t } from '../i18n.js';
import { icon } from '../icons.js';
import * as state from '../store.js';

export function mountCodePrompts(container, { notify }) {
  const prompts = new Map(); // job id -> element

  function createPrompt(account, job) {
    const status = statusLine();
    const submit = h('button', { type: 'submit', class: ['btn', 'btn-primary'] }, t('codeSubmit'));
    const titleId = `code-title-${job.id}`;
    const form = h('form', { class: 'form form-inline', novalidate: true },
      field({
        name: 'code', label: t('codeLabel'), required: true,
        attributes: { inputmode: job.prompt && job.prompt.kind === 'email' ? 'text' : 'numeric', autocomplete: 'one-time-code' },
      }),
      submit, status);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearErrors(form);
      const code = (valueOf(form, 'code') || '').trim();
      if (!code) {
        fieldError(form, 'code', t('fieldRequired'));
        return;
      }
      try {
        const updated = await busy(submit, () => sendCode(job.id, code));
        state.watchJob(updated);
        notify(t('codeSent', account.provider_name));
      } catch (error) {
        showErrors(form, status, error);
      }
    });
    const element = h('section', { class: ['code-prompt'], role: 'alert', 'aria-labelledby': titleId, dataset: { jobId: String(job.id) } },
      h('h2', { id: titleId }, icon('key', 'icon icon-small'), t('codeTitle', account.provider_name)),
      h('p', { class: 'code-prompt-text' }, (job.prompt && job.prompt.text) || t('codeDefaultPrompt')),
      form);
    return element;
  }

  function update() {
    const waiting = new Map();
    for (const account of state.getAccounts()) {
      if (account.job && account.job.state === 'waiting_for_code') waiting.set(account.job.id, account);
    }
    for (const [jobId, element] of prompts) {
      if (!waiting.has(jobId)) {
        element.remove();
        prompts.delete(jobId);
      }
    }
    for (const [jobId, account] of waiting) {
      if (prompts.has(jobId)) continue;
      const element = createPrompt(account, account.job);
      prompts.set(jobId, element);
      container.append(element);
      element.querySelector('input').focus(); // the user is expected to act now
    }
  }

  state.store.addEventListener('accounts', update);
  state.store.addEventListener('job', update);
}
