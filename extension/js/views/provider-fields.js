// The form fields a provider declares: credentials (secrets as password inputs) and options.

import { field, fieldError, valueOf } from '../dom.js';
import { localized, t } from '../i18n.js';

function inputType(credential) {
  if (credential.secret || credential.type === 'password' || credential.type === 'totp_secret') return 'password';
  // Never type=email: Chromium rewrites an internationalised domain as punycode in its value
  // (jean@exämple.fr → jean@xn--exmple-cua.fr), which is not the login the portal knows. The
  // server checks the address; the email keyboard is all the field needs.
  return 'text';
}

/**
 * Fields for the provider's credentials. `values` pre-fills non-secret ones. When `editing`, a
 * secret left empty keeps the saved one (the server only replaces the fields it receives).
 */
export function credentialFields(provider, values = {}, { editing = false } = {}) {
  return provider.credentials.map((credential) => {
    const secret = inputType(credential) === 'password';
    return field({
      placeholder: editing && secret ? t('secretKeep') : '',
      name: `credentials.${credential.name}`,
      label: localized(credential, 'label') || credential.name,
      type: inputType(credential),
      value: secret ? '' : (values[credential.name] || ''),
      help: localized(credential, 'help') || (credential.type === 'totp_secret' ? t('totpHelp') : ''),
      required: credential.required && !(editing && secret),
      autocomplete: 'off',
      attributes: credential.type === 'email' ? { inputmode: 'email' } : {},
    });
  });
}

/** Fields for the provider's options, with their defaults. */
export function optionFields(provider, values = {}) {
  return (provider.options || []).map((option) => field({
    name: `options.${option.name}`,
    label: localized(option, 'label') || option.name,
    value: values[option.name] ?? option.default ?? '',
    required: option.required,
  }));
}

function collect(form, prefix, declared) {
  const values = {};
  for (const item of declared) {
    const raw = valueOf(form, `${prefix}.${item.name}`) || '';
    // A password may start or end with a space: only visible identifiers are trimmed.
    const value = item.secret ? raw : raw.trim();
    if (value.trim()) values[item.name] = value;
  }
  return values;
}

export function readCredentials(form, provider) {
  return collect(form, 'credentials', provider.credentials);
}

export function readOptions(form, provider) {
  return collect(form, 'options', provider.options || []);
}

/** Marks required fields left empty; returns true when none is. */
export function checkRequired(form, provider, { editing = false } = {}) {
  const missing = [
    ...provider.credentials.filter((item) => item.required && !(editing && item.secret)).map((item) => `credentials.${item.name}`),
    ...(provider.options || []).filter((item) => item.required).map((item) => `options.${item.name}`),
  ].filter((name) => !(valueOf(form, name) || '').trim());
  for (const name of [...missing].reverse()) fieldError(form, name, t('fieldRequired'));
  return missing.length === 0;
}
