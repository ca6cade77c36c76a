// « Factures »' search and filters: a search box always in view, the rest (supplier, delivery,
// period, amount) folded under « Filtres » so a 320 px panel keeps room for the list.

import { field, fieldError, h } from '../dom.js';
import { t } from '../i18n.js';
import * as state from '../store.js';

const TYPING_DELAY_MS = 300;

function statusOptions() {
  return [
    { value: '', label: t('filterAll') },
    { value: 'sent', label: t('filterSent') },
    { value: 'pending', label: t('filterPending') },
    { value: 'retrying', label: t('filterRetrying') },
    { value: 'failed', label: t('filterFailed') },
    { value: 'baseline', label: t('filterBaseline') },
  ];
}

/** The suppliers of the user's accounts, each once, by name. */
function providerOptions() {
  const names = new Map(state.getAccounts().map((account) => [account.provider, account.provider_name]));
  return [{ value: '', label: t('filterAllProviders') },
    ...[...names].sort((a, b) => a[1].localeCompare(b[1])).map(([value, label]) => ({ value, label }))];
}

/**
 * Builds the search and filters; `onChange(filters)` runs when the user changes any of them (a
 * short pause after typing). Returns {element, values(), showErrors(apiError)}.
 */
export function invoiceFilters(onChange) {
  const search = field({ name: 'q', type: 'search', label: t('invoicesSearch'), placeholder: t('invoicesSearchPlaceholder') });
  const controls = {
    provider: field({ name: 'provider', label: t('filterProvider'), value: '', options: providerOptions() }),
    status: field({ name: 'status', label: t('invoicesFilter'), value: '', options: statusOptions() }),
    from: field({ name: 'from', type: 'date', label: t('filterFrom') }),
    to: field({ name: 'to', type: 'date', label: t('filterTo') }),
    minAmount: field({ name: 'min_amount', label: t('filterMinAmount'), attributes: { inputmode: 'decimal' } }),
    maxAmount: field({ name: 'max_amount', label: t('filterMaxAmount'), attributes: { inputmode: 'decimal' } }),
  };
  const count = h('span', { class: ['tag', 'filter-count'], hidden: true });
  const clear = h('button', { type: 'button', class: ['btn', 'btn-ghost', 'btn-small'] }, t('filterClear'));
  const details = h('details', { class: 'filters' },
    h('summary', {}, t('filtersTitle'), ' ', count),
    controls.provider, controls.status,
    h('div', { class: 'field-row-even' }, controls.from, controls.to),
    h('div', { class: 'field-row-even' }, controls.minAmount, controls.maxAmount),
    clear);
  const element = h('div', { class: 'invoice-filters' }, search, details);

  const input = (wrapper) => wrapper.querySelector('input, select');
  function values() {
    const read = Object.fromEntries(Object.entries(controls).map(([name, wrapper]) => [name, input(wrapper).value.trim()]));
    return { q: input(search).value.trim(), ...read };
  }
  function changed() {
    const active = Object.values(controls).filter((wrapper) => input(wrapper).value.trim() !== '').length;
    count.hidden = !active;
    count.textContent = String(active);
    onChange(values());
  }
  let timer = null;
  for (const wrapper of [search, ...Object.values(controls)]) {
    const control = input(wrapper);
    const typing = control.tagName === 'INPUT' && control.type !== 'date';
    control.addEventListener(typing ? 'input' : 'change', () => {
      clearTimeout(timer);
      timer = setTimeout(changed, typing ? TYPING_DELAY_MS : 0);
    });
  }
  clear.addEventListener('click', () => {
    for (const wrapper of Object.values(controls)) input(wrapper).value = '';
    changed();
  });

  /** The server's field errors (a date the wrong way round, an amount it cannot read) under their fields. */
  function showErrors(error) {
    details.open = true;
    for (const [name, text] of Object.entries(error.fields || {})) fieldError(element, name, text);
  }
  return { element, values, showErrors };
}
