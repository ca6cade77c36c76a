// Dates and amounts in the user's locale.

import { currentLocale } from './i18n.js';

/** "2026-11-24T05:00:00Z" -> "24 nov. 2026, 06:00" (local time). */
export function formatDateTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(currentLocale(), { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** "2026-11-24" -> "24 nov. 2026" (a calendar date: no time zone shift). */
export function formatDate(isoDate) {
  if (!isoDate) return '';
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate);
  if (!match) return isoDate;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return new Intl.DateTimeFormat(currentLocale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}

/** "123.40", "EUR" -> "123,40 €". The amount is a decimal string: never summed here. */
export function formatAmount(amount, currency) {
  if (amount === null || amount === undefined || amount === '') return '';
  const value = Number(amount);
  if (Number.isNaN(value)) return String(amount);
  try {
    return new Intl.NumberFormat(currentLocale(), { style: 'currency', currency: currency || 'EUR' }).format(value);
  } catch {
    // an unknown currency code: show the number and the code as they are
    return `${new Intl.NumberFormat(currentLocale(), { minimumFractionDigits: 2 }).format(value)} ${currency}`;
  }
}

/** A number of seconds as "4 min 32 s" in the user's locale. */
export function formatSeconds(seconds) {
  const whole = Math.max(0, Math.round(seconds));
  const unit = (value, name) => new Intl.NumberFormat(currentLocale(), { style: 'unit', unit: name, unitDisplay: 'short' }).format(value);
  const minutes = Math.floor(whole / 60);
  return minutes ? `${unit(minutes, 'minute')} ${unit(whole % 60, 'second')}` : unit(whole, 'second');
}

/** Seconds left until `iso`, as "4 min 32 s" in the user's locale ("0 s" once past). */
export function formatTimeLeft(iso, now = Date.now()) {
  return formatSeconds((new Date(iso).getTime() - now) / 1000);
}

/** Today as "YYYY-MM-DD" in local time (for <input type=date> limits). */
export function todayIso() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
