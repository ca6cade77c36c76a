// « Factures »: the latest invoices collected, their delivery to Libeo, and their PDFs.

import * as api from '../api.js';
import { busy, errorMessage, field, h } from '../dom.js';
import { formatAmount, formatDate, formatDateTime } from '../format.js';
import { t, tp } from '../i18n.js';
import { icon } from '../icons.js';
import * as state from '../store.js';

const PER_PAGE = 20;
const LIVE_REFRESH_MS = 3000; // while a delivery is pending, its status changes within seconds
const BLOB_URL_LIFETIME_MS = 60000;

/** The Libeo delivery status as {kind, label, detail, retry, send}. */
export function deliveryState(invoice) {
  const libeo = invoice.delivery && invoice.delivery.libeo;
  if (invoice.send_requested) return { kind: 'busy', label: t('deliveryRequested') };
  if (!libeo || libeo.status === 'skipped') {
    return invoice.baseline
      ? { kind: 'muted', label: t('deliveryBaseline'), send: true }
      : { kind: 'muted', label: t('deliveryNone'), send: true };
  }
  switch (libeo.status) {
    case 'sent':
      return { kind: 'ok', label: t('deliverySent'), detail: libeo.sent_at ? t('deliverySentAt', formatDateTime(libeo.sent_at)) : '' };
    case 'pending':
      return { kind: 'busy', label: t('deliveryPending') };
    case 'retrying':
      return {
        kind: 'warning', label: t('deliveryRetrying'),
        detail: [libeo.next_attempt_at ? t('deliveryNextAttempt', formatDateTime(libeo.next_attempt_at)) : '', libeo.last_error || '']
          .filter(Boolean).join(' — '),
      };
    case 'failed':
      return { kind: 'error', label: t('deliveryFailed'), detail: libeo.last_error || '', retry: true };
    default:
      console.warn(`unknown delivery status ${libeo.status}`);
      return { kind: 'muted', label: libeo.status };
  }
}

async function openPdf(invoice, button, report) {
  try {
    const blob = await busy(button, () => api.invoicePdf(invoice.id));
    const url = URL.createObjectURL(new Blob([blob], { type: 'application/pdf' }));
    window.open(url, '_blank', 'noopener');
    setTimeout(() => URL.revokeObjectURL(url), BLOB_URL_LIFETIME_MS);
  } catch (error) {
    report(errorMessage(error), 'error');
  }
}

export function mountInvoices(container, { notify }) {
  const list = h('ul', { class: 'invoice-list', 'aria-labelledby': 'invoices-title' });
  const summary = h('p', { class: ['muted', 'small'], role: 'status', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: ['btn', 'btn-ghost', 'btn-block'], hidden: true }, t('invoicesMore'));
  const filter = field({
    name: 'status', label: t('invoicesFilter'), value: '',
    options: [
      { value: '', label: t('filterAll') },
      { value: 'sent', label: t('filterSent') },
      { value: 'pending', label: t('filterPending') },
      { value: 'retrying', label: t('filterRetrying') },
      { value: 'failed', label: t('filterFailed') },
      { value: 'baseline', label: t('filterBaseline') },
    ],
  });
  const refresh = h('button', {
    type: 'button', class: 'icon-btn', 'aria-label': t('refresh'), title: t('refresh'), onClick: () => load(1),
  }, icon('sync'));
  container.append(
    h('div', { class: 'view-head' }, h('h2', { id: 'invoices-title' }, t('invoicesTitle')), refresh),
    filter, summary, list, more);

  let invoices = [];
  let pagesLoaded = 0;
  let renderedSignature = null;
  let liveTimer = null;
  let alive = true;

  function row(invoice) {
    const delivery = deliveryState(invoice);
    // Portals often print the number as "N° 123": keep only the number itself.
    const number = (invoice.number || '').replace(/^\s*(?:n°|no\.?|#)\s*/i, '');
    let open = null;
    if (invoice.pdf_url) {
      open = h('button', {
        type: 'button', class: ['btn', 'btn-ghost', 'btn-small'], 'aria-label': t('openPdfLabel', number || invoice.provider_name),
      }, icon('file', 'icon icon-small'), t('openPdf'));
      open.addEventListener('click', () => openPdf(invoice, open, notify));
    }
    let retry = null;
    if (delivery.retry) {
      retry = h('button', { type: 'button', class: ['btn', 'btn-small', 'btn-primary'] }, t('retry'));
      retry.addEventListener('click', async () => {
        try {
          await busy(retry, () => api.retryInvoice(invoice.id));
          await load(1);
          notify(t('retryQueued'));
        } catch (error) {
          notify(errorMessage(error), 'error');
        }
      });
    }
    let send = null;
    if (delivery.send) {
      send = h('button', { type: 'button', class: ['btn', 'btn-small', 'btn-primary', 'send'] }, t('sendToLibeo'));
      send.addEventListener('click', async () => {
        try {
          await busy(send, () => api.sendInvoice(invoice.id));
          await load(1);
          notify(invoice.baseline ? t('sendRequested') : t('retryQueued'));
        } catch (error) {
          notify(errorMessage(error), 'error');
        }
      });
    }
    const meta = [number ? t('invoiceNumber', number) : null, formatDate(invoice.date)].filter(Boolean).join(' · ');
    return h('li', { class: ['card', 'invoice'], dataset: { invoiceId: String(invoice.id), delivery: delivery.kind } },
      h('div', { class: 'invoice-top' },
        h('span', { class: 'invoice-provider' }, invoice.provider_name),
        h('span', { class: 'invoice-amount' }, formatAmount(invoice.amount, invoice.currency))),
      h('p', { class: ['invoice-meta', 'muted', 'small'] }, meta),
      h('div', { class: 'invoice-bottom' },
        h('span', { class: ['state', `state-${delivery.kind}`] }, delivery.label),
        h('span', { class: 'invoice-actions' }, retry, send, open)),
      delivery.detail ? h('p', { class: ['invoice-detail', 'small'] }, delivery.detail) : null);
  }

  function render(total = invoices.length) {
    list.replaceChildren(...invoices.map(row));
    if (!total) summary.textContent = t('invoicesEmpty');
    else if (invoices.length < total) summary.textContent = t('invoicesShown', invoices.length, total);
    else summary.textContent = tp('invoicesTotal', total);
    more.hidden = invoices.length >= total;
  }

  async function load(page) {
    clearTimeout(liveTimer);
    const status = valueOf();
    let answer;
    try {
      answer = await api.listInvoices({ status, page, perPage: PER_PAGE });
    } catch (error) {
      summary.textContent = errorMessage(error);
      return;
    }
    if (!alive) return;
    const next = page === 1 ? answer.invoices : invoices.concat(answer.invoices);
    const signature = JSON.stringify([next, answer.total]);
    pagesLoaded = page;
    invoices = next;
    if (signature !== renderedSignature) render(answer.total); // keeps the focus when nothing changed
    renderedSignature = signature;
    const waiting = invoices.some((invoice) => ['busy', 'warning'].includes(deliveryState(invoice).kind));
    if (waiting && pagesLoaded === 1) liveTimer = setTimeout(() => load(1), LIVE_REFRESH_MS);
  }

  function valueOf() {
    return filter.querySelector('select').value;
  }

  filter.querySelector('select').addEventListener('change', () => load(1));
  more.addEventListener('click', () => busy(more, () => load(pagesLoaded + 1)));
  const onJobFinished = () => load(1);
  state.store.addEventListener('jobfinished', onJobFinished);
  summary.textContent = t('loading');
  load(1);
  return () => {
    alive = false;
    clearTimeout(liveTimer);
    state.store.removeEventListener('jobfinished', onJobFinished);
  };
}
