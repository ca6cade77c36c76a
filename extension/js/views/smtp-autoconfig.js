// « SMTP trouvé pour vous »: when the user types their sender address, the SMTP fields are filled
// from the server's bundled facts (GET /api/smtp-presets), and the panel says where they came from
// and whether the provider wants an app password. The fields stay editable; an unknown domain
// leaves them as they are.

import * as api from '../api.js';
import { h } from '../dom.js';
import { localized, t } from '../i18n.js';

const LOOKUP_DELAY_MS = 400;

function describe(preset) {
  const found = preset.matched_by === 'mx'
    ? t('smtpFoundByMx', preset.domain, preset.provider)
    : t('smtpFoundFor', preset.domain, preset.provider);
  const parts = [h('p', {}, found)];
  if (preset.app_password.needed) {
    parts.push(h('p', { class: 'small' }, localized(preset.app_password, 'note'), ' ',
      h('a', { href: preset.app_password.url, target: '_blank', rel: 'noopener noreferrer', id: 'smtp-app-password-link' },
        t('smtpAppPasswordLink'))));
  }
  return parts;
}

/** Wires the sender field to the SMTP fields of `form`; returns the line that says what was found. */
export function smtpAutoconfig(form) {
  const line = h('div', { class: ['banner', 'banner-info', 'smtp-found'], id: 'smtp-found', role: 'status', hidden: true });
  const sender = form.querySelector('[data-field="sender"]');
  const control = (name) => form.querySelector(`[data-field="${name}"]`);
  let timer = null;
  let asked = '';

  async function lookUp() {
    const address = sender.value.trim();
    if (address === asked) return;
    asked = address;
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) {
      line.hidden = true;
      return;
    }
    let preset;
    try {
      preset = await api.smtpPreset(address);
    } catch {
      return; // offline or refused: the user types the settings, as without this help
    }
    if (address !== sender.value.trim()) return; // typed on meanwhile
    if (!preset) {
      line.replaceChildren(h('p', {}, t('smtpNotFound', address.split('@').pop())));
      line.classList.add('muted');
      line.hidden = false;
      return;
    }
    control('smtp_host').value = preset.smtp_host;
    control('smtp_port').value = String(preset.smtp_port);
    control('smtp_security').value = preset.smtp_security;
    control('smtp_username').value = preset.smtp_username;
    for (const name of ['smtp_host', 'smtp_port', 'smtp_security', 'smtp_username']) control(name).removeAttribute('aria-invalid');
    line.classList.remove('muted');
    line.replaceChildren(...describe(preset));
    line.hidden = false;
  }

  sender.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(lookUp, LOOKUP_DELAY_MS);
  });
  sender.addEventListener('change', () => {
    clearTimeout(timer);
    lookUp();
  });
  return line;
}
