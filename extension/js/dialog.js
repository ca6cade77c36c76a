// A modal confirmation built on <dialog>: focus is trapped, Escape cancels.

import { h } from './dom.js';
import { t } from './i18n.js';

/** Resolves true when the user confirms, false otherwise. */
export function confirmDialog({ title, message, confirmLabel, danger = false }) {
  return new Promise((resolve) => {
    const cancel = h('button', { type: 'button', class: ['btn', 'btn-ghost'], value: 'cancel' }, t('cancel'));
    const confirm = h('button', {
      type: 'button', class: ['btn', danger ? 'btn-danger' : 'btn-primary'], value: 'confirm',
    }, confirmLabel);
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'dialog-title', 'aria-describedby': 'dialog-text' },
      h('h2', { id: 'dialog-title' }, title),
      h('p', { id: 'dialog-text' }, message),
      h('div', { class: ['actions', 'actions-end'] }, cancel, confirm));
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    cancel.addEventListener('click', () => finish(false));
    confirm.addEventListener('click', () => finish(true));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus(); // the safe choice has the focus
  });
}
