// « Factures »: the latest invoices collected, their delivery to Libeo, and their PDFs.

import * as api from '../api.js';
import { ApiError } from '../api.js';
import { BLOB_URL_LIFETIME_MS, busy, errorMessage, h, saveFile } from '../dom.js';
import { formatAmount, formatDate, formatDateTime } from '../format.js';
import { t, tp } from '../i18n.js';
import { icon } from '../icons.js';
import * as state from '../store.js';
import { invoiceFilters } from './invoice-filters.js';

const PER_PAGE = 20;
const LIVE_REFRESH_MS = 3000; // while a delivery is pending, its status changes within seconds

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
  const filters = invoiceFilters(() => load(1));
  // A selection of invoices, downloaded as one ZIP of their PDFs.
  const selected = new Set();
  const selectAll = h('input', { type: 'checkbox', id: 'select-all-invoices' });
  const selectedCount = h('span', { class: ['muted', 'small'], 'aria-live': 'polite' });
  const zip = h('button', { type: 'button', class: ['btn', 'btn-small', 'btn-primary'], disabled: true },
    icon('download', 'icon icon-small'), t('zipDownload'));
  const selection = h('div', { class: 'selection-bar' },
    h('span', { class: 'field-checkbox' }, selectAll, h('label', { for: 'select-all-invoices' }, t('selectAll'))),
    selectedCount, zip);
  const refresh = h('button', {
    type: 'button', class: 'icon-btn', 'aria-label': t('refresh'), title: t('refresh'), onClick: () => load(1),
  }, icon('sync'));
  container.append(
    h('div', { class: 'view-head' }, h('h2', { id: 'invoices-title' }, t('invoicesTitle')), refresh),
    filters.element, summary, selection, list, more);

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
    let pick = null;
    if (invoice.pdf_url) {
      pick = h('input', {
        type: 'checkbox', class: 'invoice-pick', checked: selected.has(invoice.id),
        'aria-label': t('selectInvoice', number || invoice.provider_name, formatDate(invoice.date)),
      });
      pick.addEventListener('change', () => {
        if (pick.checked) selected.add(invoice.id);
        else selected.delete(invoice.id);
        showSelection();
      });
    }
    return h('li', { class: ['card', 'invoice'], dataset: { invoiceId: String(invoice.id), delivery: delivery.kind } },
      h('div', { class: 'invoice-top' },
        h('span', { class: 'invoice-provider' }, pick, invoice.provider_name),
        h('span', { class: 'invoice-amount' }, formatAmount(invoice.amount, invoice.currency))),
      h('p', { class: ['invoice-meta', 'muted', 'small'] }, meta),
      h('div', { class: 'invoice-bottom' },
        h('span', { class: ['state', `state-${delivery.kind}`] }, delivery.label),
        h('span', { class: 'invoice-actions' }, retry, send, open)),
      delivery.detail ? h('p', { class: ['invoice-detail', 'small'] }, delivery.detail) : null);
  }

  function pickable() {
    return invoices.filter((invoice) => invoice.pdf_url);
  }

  function showSelection() {
    const choices = pickable();
    selection.hidden = !choices.length;
    selectedCount.textContent = selected.size ? tp('selectedCount', selected.size) : '';
    zip.disabled = !selected.size;
    selectAll.checked = choices.length > 0 && choices.every((invoice) => selected.has(invoice.id));
    selectAll.indeterminate = !selectAll.checked && choices.some((invoice) => selected.has(invoice.id));
  }

  selectAll.addEventListener('change', () => {
    for (const invoice of pickable()) {
      if (selectAll.checked) selected.add(invoice.id);
      else selected.delete(invoice.id);
    }
    for (const box of list.querySelectorAll('.invoice-pick')) box.checked = selectAll.checked;
    showSelection();
  });

  zip.addEventListener('click', async () => {
    try {
      const { blob, name, withoutPdf } = await busy(zip, () => api.invoicesZip([...selected]));
      saveFile(blob, name);
      notify(withoutPdf ? tp('zipDoneSkipped', selected.size - withoutPdf, withoutPdf) : tp('zipDone', selected.size));
    } catch (error) {
      notify(errorMessage(error), 'error');
    }
  });

  function render(total = invoices.length) {
    // What a new search or filter no longer shows leaves the selection: the ZIP holds what is seen.
    const shown = new Set(invoices.map((invoice) => invoice.id));
    for (const id of [...selected]) if (!shown.has(id)) selected.delete(id);
    list.replaceChildren(...invoices.map(row));
    showSelection();
    if (!total) summary.textContent = t('invoicesEmpty');
    else if (invoices.length < total) summary.textContent = t('invoicesShown', invoices.length, total);
    else summary.textContent = tp('invoicesTotal', total);
    more.hidden = invoices.length >= total;
  }

  async function load(page) {
    clearTimeout(liveTimer);
    let answer;
    try {
      answer = await api.listInvoices({ ...filters.values(), page, perPage: PER_PAGE });
    } catch (error) {
      summary.textContent = errorMessage(error);
      renderedSignature = null; // the next answer replaces this message, even if the list is the same
      if (error instanceof ApiError) filters.showErrors(error);
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
