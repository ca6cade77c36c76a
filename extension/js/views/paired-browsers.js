// « Navigateurs associés »: every browser paired with the server, each revocable (this one too,
// after which the panel asks for a new code).

import * as api from '../api.js';
import { confirmDialog } from '../dialog.js';
import { errorMessage, h, setStatus, statusLine } from '../dom.js';
import { formatDateTime } from '../format.js';
import { t } from '../i18n.js';

function row(pairing, onRevoke) {
  const revoke = h('button', {
    type: 'button', class: ['btn', 'btn-small', 'btn-ghost', 'revoke'], 'aria-label': t('pairingsRevokeLabel', pairing.name),
    onClick: () => onRevoke(pairing, revoke),
  }, t('pairingsRevoke'));
  return h('li', { class: 'pairing', dataset: { pairingId: pairing.id } },
    h('div', { class: 'pairing-head' },
      h('strong', {}, pairing.name),
      pairing.current ? h('span', { class: ['tag', 'tag-ok'] }, t('pairingsThisBrowser')) : null),
    h('p', { class: ['muted', 'small'] },
      pairing.paired_at ? t('pairingsPairedAt', formatDateTime(pairing.paired_at)) : t('pairingsPairedBefore'),
      ' · ',
      pairing.last_used_at ? t('pairingsLastUsed', formatDateTime(pairing.last_used_at)) : t('pairingsNeverUsed')),
    h('div', { class: 'actions' }, revoke));
}

export function pairedBrowsersCard() {
  const status = statusLine();
  const list = h('ul', { class: 'pairings', 'aria-labelledby': 'pairings-title' });
  const card = h('section', { class: 'card', id: 'paired-browsers' },
    h('h3', { id: 'pairings-title' }, t('pairingsTitle')),
    h('p', { class: ['muted', 'small'] }, t('pairingsIntro')),
    list, status);

  async function revoke(pairing, button) {
    const confirmed = await confirmDialog({
      title: t('pairingsConfirmTitle', pairing.name),
      message: pairing.current ? t('pairingsConfirmSelf') : t('pairingsConfirmOther'),
      confirmLabel: t('pairingsRevoke'),
      danger: true,
    });
    if (!confirmed) return;
    button.disabled = true;
    try {
      await api.revokePairing(pairing);
      list.querySelector(`[data-pairing-id="${CSS.escape(pairing.id)}"]`)?.remove();
      setStatus(status, t('pairingsRevoked', pairing.name), 'success');
    } catch (error) {
      button.disabled = false;
      setStatus(status, errorMessage(error), 'error');
    }
  }

  api.listPairings().then((pairings) => {
    list.replaceChildren(...pairings.map((pairing) => row(pairing, revoke)));
  }).catch((error) => setStatus(status, errorMessage(error), 'error'));
  return card;
}
