// Pairing: first through the invoice-collector program on this computer (native messaging, no
// code); when Chrome cannot reach it, the user runs `invoice-collector pair` and types the code.

import { pair } from '../api.js';
import { busy, clearErrors, field, fieldError, h, setStatus, showErrors, statusLine, valueOf } from '../dom.js';
import { t } from '../i18n.js';
import { icon } from '../icons.js';
import { NativeUnavailableError, nativeHello, nativePair } from '../native.js';
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

/** The code steps: `invoice-collector pair` in a terminal, then the form. */
function codeSteps(onPaired, why) {
  const form = pairingForm({ onPaired });
  const section = h('div', { id: 'pair-with-code' },
    why ? h('p', { class: ['muted', 'small'], id: 'pair-why' }, why) : null,
    h('ol', { class: 'steps' },
      h('li', {}, t('pairStep1'), commandBlock('invoice-collector pair')),
      h('li', {}, t('pairStep2'))),
    form);
  return { section, focus: () => form.querySelector('input').focus() };
}

/**
 * The full "pair this browser" screen of the panel. A first pairing goes through the native host
 * by itself; after a revocation it waits for a click (pairing again at once would undo the
 * revocation), with the code as the other way.
 */
export function renderPairing(container, { expired = false, onPaired }) {
  const status = statusLine();
  const slot = h('div', {});
  const card = h('section', { class: ['card', 'connect-card'], id: 'pairing', 'aria-labelledby': 'pairing-title' },
    h('div', { class: 'connect-icon' }, icon('key')),
    h('h2', { id: 'pairing-title' }, t('pairTitle')),
    expired ? h('p', { class: ['banner', 'banner-warning'], role: 'alert' }, t('pairExpired')) : null,
    h('p', {}, t('pairIntro')),
    status,
    slot);
  container.replaceChildren(card);

  const fallBack = (why) => {
    setStatus(status, '');
    const steps = codeSteps(onPaired, why);
    slot.replaceChildren(steps.section);
    steps.focus();
  };
  const pairHere = async () => {
    setStatus(status, t('pairNativeWorking'), 'info');
    try {
      await nativePair();
      setStatus(status, t('pairDone'), 'success');
      onPaired();
    } catch (error) {
      fallBack(error instanceof NativeUnavailableError ? t('pairNativeWhy') : t('pairNativeFailed', error.message));
    }
  };
  if (!expired) {
    pairHere();
    return;
  }
  const steps = codeSteps(onPaired, null);
  slot.replaceChildren(steps.section);
  steps.focus();
  nativeHello().then(() => {
    const again = h('button', { type: 'button', class: ['btn', 'btn-primary'], id: 'pair-native' }, t('pairNativeButton'));
    again.addEventListener('click', () => busy(again, pairHere));
    slot.prepend(h('div', { class: 'actions' }, again), h('p', { class: ['muted', 'small'] }, t('pairOrCode')));
  }, () => {});
}
