// Small DOM helpers: build elements without innerHTML, labelled form fields, error display.

import { ApiError, ServerOfflineError, UnauthorizedError, WrongServerError } from './api.js';
import { t } from './i18n.js';

/**
 * h('button', {class: ['btn', 'btn-primary'], type: 'button', onClick: fn}, t('save'))
 * Attributes: class (string or array), dataset (object), on<Event> (listener), others as-is
 * (true = present, false/null = absent). Children: nodes, strings (text), arrays, null.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') {
      element.classList.add(...[value].flat().filter(Boolean).join(' ').split(/\s+/).filter(Boolean));
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name in element && typeof value !== 'string') {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : value);
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

/** Replaces an element's children; like h(), it skips null children and flattens arrays. */
export function show(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

let fieldCounter = 0;

/**
 * A labelled form field: <div class="field"><label for><input><p help><p error></div>.
 * `name` is what the server calls the field in {"error": {"fields": {...}}}.
 */
export function field({ name, label, type = 'text', value = '', help = '', required = false,
  placeholder = '', autocomplete = 'off', options = null, attributes = {} }) {
  const id = `field-${++fieldCounter}`;
  const helpId = help ? `${id}-help` : null;
  const errorId = `${id}-error`;
  const describedBy = [helpId, errorId].filter(Boolean).join(' ');
  let control;
  if (options) {
    control = h('select', { id, name, 'aria-describedby': describedBy, ...attributes },
      options.map((option) => h('option', { value: option.value, selected: option.value === value }, option.label)));
  } else if (type === 'checkbox') {
    control = h('input', { id, name, type, checked: Boolean(value), 'aria-describedby': describedBy, ...attributes });
  } else if (type === 'textarea') {
    control = h('textarea', {
      id, name, required, placeholder: placeholder || null, autocomplete, spellcheck: 'false',
      'aria-describedby': describedBy, ...attributes,
    }, value ?? '');
  } else {
    control = h('input', {
      id, name, type, value: value ?? '', required, placeholder: placeholder || null,
      autocomplete, spellcheck: 'false', 'aria-describedby': describedBy, ...attributes,
    });
  }
  control.dataset.field = name;
  const labelElement = h('label', { for: id }, label,
    required ? h('span', { class: 'required', 'aria-hidden': 'true' }, '*') : null);
  const wrapper = type === 'checkbox'
    ? h('div', { class: ['field', 'field-checkbox'] }, control, labelElement)
    : h('div', { class: 'field' }, labelElement, control);
  if (help) wrapper.append(h('p', { class: 'field-help', id: helpId }, help));
  const error = h('p', { class: 'field-error', id: errorId, dataset: { errorFor: name }, hidden: true });
  wrapper.append(error);
  // An error is about what was there: once the user changes the value, it no longer applies.
  control.addEventListener(control.tagName === 'SELECT' || type === 'checkbox' ? 'change' : 'input', () => {
    error.hidden = true;
    error.textContent = '';
    control.removeAttribute('aria-invalid');
  });
  return wrapper;
}

/** The value of a field built by field(), by its name. */
export function valueOf(form, name) {
  const control = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  if (!control) return undefined;
  return control.type === 'checkbox' ? control.checked : control.value;
}

/** A live region for a form's messages (errors and confirmations are announced). */
export function statusLine() {
  return h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite', hidden: true });
}

export function setStatus(line, text, kind = 'info') {
  line.hidden = !text;
  line.textContent = text || '';
  line.className = `form-status form-status-${kind}`;
}

export function clearErrors(form) {
  for (const error of form.querySelectorAll('.field-error')) {
    error.hidden = true;
    error.textContent = '';
  }
  for (const control of form.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
}

/** The message a user should read for any error thrown by api.js. */
export function errorMessage(error) {
  if (error instanceof ServerOfflineError) return t('errorOffline');
  if (error instanceof UnauthorizedError) return t('errorNotPaired');
  if (error instanceof WrongServerError) return t('errorWrongServer', error.port);
  if (error instanceof ApiError) return error.message;
  console.error(error);
  return t('errorUnexpectedShort');
}

/**
 * Shows an error from api.js on a form: field errors next to their fields (the first one gets
 * the focus), the server's message in the form's status line.
 */
export function showErrors(form, line, error) {
  clearErrors(form);
  let first = null;
  const shown = new Set(); // texts already next to a field
  if (error instanceof ApiError) {
    for (const [name, text] of Object.entries(error.fields)) {
      const target = findErrorSlot(form, name);
      if (!target) continue;
      target.textContent = text;
      target.hidden = false;
      shown.add(text);
      shown.add(`${name}: ${text}`);
      const control = form.querySelector(`[data-field="${CSS.escape(target.dataset.errorFor)}"]`);
      if (control) {
        control.setAttribute('aria-invalid', 'true');
        first = first || control;
      }
    }
  }
  // The server's summary often repeats the first field error ("inbox: …"): say it once.
  const message = errorMessage(error);
  setStatus(line, shown.has(message) ? '' : message, 'error');
  if (first) first.focus();
}

/** Shows a client-side error next to one field and focuses it. */
export function fieldError(form, name, text) {
  const slot = findErrorSlot(form, name);
  const control = form.querySelector(`[data-field="${CSS.escape(slot ? slot.dataset.errorFor : name)}"]`);
  if (slot) {
    slot.textContent = text;
    slot.hidden = false;
  }
  if (control) {
    control.setAttribute('aria-invalid', 'true');
    control.focus();
  }
}

// The server may name a field "password" or "credentials.password".
function findErrorSlot(form, name) {
  const slots = [...form.querySelectorAll('.field-error')];
  const short = name.split('.').pop();
  return slots.find((slot) => slot.dataset.errorFor === name)
    || slots.find((slot) => slot.dataset.errorFor.split('.').pop() === short);
}

/** Disables a button while `work` runs, marking it busy for assistive technology. */
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

// A blob: URL lives long enough for the browser to take the file, then goes.
export const BLOB_URL_LIFETIME_MS = 60000;

/** Hands a file to the browser's downloads, as a link the user clicked would. */
export function saveFile(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), BLOB_URL_LIFETIME_MS);
}
