// Pairing: the user runs `invoice-collector pair` and types the printed code here.

import { pair } from '../api.js';
import { busy, clearErrors, field, fieldError, h, setStatus, showErrors, statusLine, valueOf } from '../dom.js';
import { t } from '../i18n.js';
import { icon } from '../icons.js';
import { writeToken } from '../storage.js';
import { commandBlock } from './offline.js';

/** Accepts "123456", "123 456" or "123-456" and sends the printed form "123-456". */
export function normalizeCode(text) {
  const compact = text.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(compact) ? `${compact.slice(0, 3)}-${compact.slice(3)}` : text.trim();
}

/** The pairing form alone (used by the panel and the options page). */
export function pairingForm({ onPaired }) {
  const status = statusLine();
  const submit = h('button', { type: 'submit', class: ['btn', 'btn-primary'], id: 'pair-submit' }, t('pairSubmit'));
  const form = h('form', { class: 'form', id: 'pair-form', novalidate: true },
    field({
      name: 'code', label: t('pairCodeLabel'), placeholder: t('pairCodePlaceholder'), required: true,
      attributes: { inputmode: 'numeric', maxlength: '16', class: 'input-code' },
    }),
    h('div', { class: 'actions' }, submit),
    status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const code = normalizeCode(valueOf(form, 'code'));
    if (!code) {
      fieldError(form, 'code', t('pairCodeMissing'));
      return;
    }
    try {
      const token = await busy(submit, () => pair(code));
      await writeToken(token);
      setStatus(status, t('pairDone'), 'success');
      onPaired();
    } catch (error) {
      showErrors(form, status, error);
    }
  });
  return form;
}

/** The full "pair this browser" screen of the panel. */
export function renderPairing(container, { expired = false, onPaired }) {
  const form = pairingForm({ onPaired });
  container.replaceChildren(h('section', { class: ['card', 'connect-card'], id: 'pairing', 'aria-labelledby': 'pairing-title' },
    h('div', { class: 'connect-icon' }, icon('key')),
    h('h2', { id: 'pairing-title' }, t('pairTitle')),
    expired ? h('p', { class: ['banner', 'banner-warning'], role: 'alert' }, t('pairExpired')) : null,
    h('p', {}, t('pairIntro')),
    h('ol', { class: 'steps' },
      h('li', {}, t('pairStep1'), commandBlock('invoice-collector pair')),
      h('li', {}, t('pairStep2'))),
    form,
  ));
  form.querySelector('input').focus();
}
