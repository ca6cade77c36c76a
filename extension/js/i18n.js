// Every visible string comes from _locales. By default Chrome picks the locale
// (chrome.i18n.getMessage); the options page may force French or English, in which case the
// chosen messages.json is read from the extension itself and substituted the same way.

import { readSettings } from './storage.js';

let forced = null; // { lang, messages } when the user chose a language

export async function initI18n() {
  const { language } = await readSettings();
  forced = null;
  if (language === 'fr' || language === 'en') {
    const response = await fetch(chrome.runtime.getURL(`_locales/${language}/messages.json`));
    forced = { lang: language, messages: await response.json() };
  }
  document.documentElement.lang = currentLang();
}

/** The language the messages are in: "fr" or "en". */
export function currentLang() {
  return forced ? forced.lang : chrome.i18n.getMessage('langCode') || 'fr';
}

/** The BCP 47 locale for Intl formatting: the browser's own variant when it matches. */
export function currentLocale() {
  const lang = currentLang();
  const browser = navigator.language || lang;
  return browser.toLowerCase().startsWith(lang) ? browser : lang;
}

/**
 * A text the API gives in both languages, in the panel's: `item.<name>_fr` / `item.<name>_en`
 * (outcome messages, field labels), or `item.fr` / `item.en` without a name (catalog texts).
 */
export function localized(item, name) {
  if (!item) return '';
  const [fr, en] = name ? [item[`${name}_fr`], item[`${name}_en`]] : [item.fr, item.en];
  return (currentLang() === 'fr' ? fr || en : en || fr) || '';
}

/** The message `key`, with `subs` in place of $1…$9 (through the named placeholders). */
export function t(key, ...subs) {
  const texts = subs.map((value) => String(value));
  if (!forced) {
    const text = chrome.i18n.getMessage(key, texts);
    if (!text) console.warn(`missing message ${key}`);
    return text || key;
  }
  const entry = forced.messages[key];
  if (!entry) {
    console.warn(`missing message ${key}`);
    return key;
  }
  return substitute(entry, texts);
}

/** A message that depends on a count: `${key}One` or `${key}Other`, by the language's plural rules. */
export function tp(key, count, ...subs) {
  const form = new Intl.PluralRules(currentLang()).select(count) === 'one' ? 'One' : 'Other';
  return t(`${key}${form}`, count, ...subs);
}

function substitute(entry, texts) {
  const numbered = (text) => text.replace(/\$(\d)/g, (_, n) => texts[Number(n) - 1] ?? '');
  const placeholders = entry.placeholders || {};
  return entry.message
    .replace(/\$([A-Za-z0-9_@]+)\$/g, (whole, name) => {
      const placeholder = placeholders[name.toLowerCase()];
      return placeholder ? numbered(placeholder.content) : whole;
    })
    .replace(/\$\$/g, '$');
}

/** Fills text and attributes of every element under `root` that names a message. */
export function applyI18n(root = document) {
  for (const element of root.querySelectorAll('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n);
  }
  const attributes = { i18nPlaceholder: 'placeholder', i18nAriaLabel: 'aria-label', i18nTitle: 'title' };
  for (const [dataKey, attribute] of Object.entries(attributes)) {
    const selector = `[data-${dataKey.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}]`;
    for (const element of root.querySelectorAll(selector)) {
      element.setAttribute(attribute, t(element.dataset[dataKey]));
    }
  }
  if (root === document && document.body.dataset.i18nDocTitle) {
    document.title = t(document.body.dataset.i18nDocTitle);
  }
}
