// « Réglages »: where invoices go. The Libeo inbox (mail through the user's SMTP server; the
// password is write-only) and a local folder. Then the paired browsers.

import * as api from '../api.js';
import { busy, clearErrors, errorMessage, field, fieldError, h, setStatus, showErrors, statusLine, valueOf } from '../dom.js';
import { t, tp } from '../i18n.js';
import { pairedBrowsersCard } from './paired-browsers.js';
import { smtpAutoconfig } from './smtp-autoconfig.js';

const SECURITY_PORTS = { starttls: 587, tls: 465, plain: 25 };
const MAX_CA_BYTES = 64 * 1024; // as the server: a few certificates, never a whole bundle

// « Options avancées »: the CA of a company SMTP server signed by a private authority. Open when
// one is set, so a setting in effect is never hidden. A picked file is read here, in the panel.
function advancedOptions(settings) {
  const caField = field({
    name: 'smtp_ca_cert', type: 'textarea', value: settings.smtp_ca_cert || '', label: t('smtpCaCert'),
    help: t('smtpCaCertHelp'), placeholder: '-----BEGIN CERTIFICATE-----',
    attributes: { rows: '4', class: 'input-pem', wrap: 'off' },
  });
  const textarea = caField.querySelector('textarea');
  const picker = h('input', { type: 'file', accept: '.pem,.crt,.cer,application/x-pem-file', hidden: true, tabindex: '-1' });
  const choose = h('button', { type: 'button', class: ['btn', 'btn-small', 'btn-ghost'], id: 'smtp-ca-file', onClick: () => picker.click() },
    t('smtpCaChooseFile'));
  picker.addEventListener('change', async () => {
    const [file] = picker.files;
    picker.value = ''; // the same file may be picked again after an edit
    if (!file) return;
    if (file.size > MAX_CA_BYTES) {
      fieldError(textarea.form, 'smtp_ca_cert', t('smtpCaFileTooBig'));
      return;
    }
    textarea.value = (await file.text()).trim();
    textarea.removeAttribute('aria-invalid');
  });
  return h('details', { class: 'advanced', id: 'libeo-advanced', open: Boolean(settings.smtp_ca_cert) },
    h('summary', {}, t('smtpAdvanced')),
    caField,
    h('div', { class: 'actions' }, choose, picker));
}

function libeoForm(settings) {
  const status = statusLine();
  const save = h('button', { type: 'submit', class: ['btn', 'btn-primary'], id: 'libeo-save' }, t('save'));
  const test = h('button', { type: 'button', class: ['btn', 'btn-ghost'], id: 'libeo-test' }, t('testConnection'));
  const passwordState = h('span', { class: ['tag', settings.password_set ? 'tag-ok' : 'tag-muted'], id: 'smtp-password-state' },
    settings.password_set ? t('passwordSet') : t('passwordNotSet'));
  const form = h('form', { class: ['card', 'form'], id: 'libeo-form', novalidate: true },
    h('h3', {}, t('libeoTitle')),
    h('p', { class: ['muted', 'small'] }, t('libeoIntro')),
    field({ name: 'enabled', type: 'checkbox', value: settings.enabled, label: t('libeoEnabled') }),
    field({ name: 'inbox', type: 'email', value: settings.inbox, label: t('libeoInbox'), help: t('libeoInboxHelp'), placeholder: t('libeoInboxPlaceholder') }),
    field({ name: 'allow_other_inbox', type: 'checkbox', value: settings.allow_other_inbox, label: t('libeoAllowOther') }),
    field({ name: 'sender', type: 'email', value: settings.sender, label: t('libeoSender'), help: t('libeoSenderHelp') }),
    h('h4', {}, t('smtpTitle')),
    field({ name: 'smtp_host', value: settings.smtp_host, label: t('smtpHost'), placeholder: t('smtpHostPlaceholder') }),
    h('div', { class: 'field-row' },
      field({ name: 'smtp_port', type: 'number', value: settings.smtp_port, label: t('smtpPort'), attributes: { min: '1', max: '65535' } }),
      field({
        name: 'smtp_security', value: settings.smtp_security || 'starttls', label: t('smtpSecurity'),
        options: [
          { value: 'starttls', label: t('smtpStarttls') },
          { value: 'tls', label: t('smtpTls') },
          { value: 'plain', label: t('smtpPlain') },
        ],
      })),
    field({ name: 'smtp_username', value: settings.smtp_username, label: t('smtpUsername') }),
    field({
      name: 'smtp_password', type: 'password', label: t('smtpPassword'), autocomplete: 'off',
      placeholder: settings.password_set ? t('smtpPasswordKeep') : '', help: t('smtpPasswordHelp'),
    }),
    passwordState,
    advancedOptions(settings),
    status,
    h('div', { class: 'actions' }, save, test),
    h('p', { class: ['muted', 'small'] }, t('testConnectionHelp')));

  // Invoices collected while sending to Libeo was off: offered once it is on (exactly once: the
  // server's ledger marks as sent what Libeo already has).
  const waiting = h('div', { class: ['banner', 'banner-warning', 'waiting'], hidden: true, role: 'region',
    'aria-label': t('waitingTitle') });
  function showWaiting(libeo) {
    waiting.hidden = !(libeo.enabled && libeo.waiting > 0);
    if (waiting.hidden) return;
    const send = h('button', { type: 'button', class: ['btn', 'btn-small', 'btn-primary'], id: 'send-waiting' },
      tp('waitingSend', libeo.waiting));
    send.addEventListener('click', async () => {
      try {
        const done = await busy(send, () => api.sendWaitingInvoices());
        waiting.hidden = true;
        setStatus(status, t('waitingDone', done.queued + done.already_sent), 'success');
      } catch (error) {
        setStatus(status, errorMessage(error), 'error');
      }
    });
    waiting.replaceChildren(h('p', {}, h('strong', {}, t('waitingTitle')), ' ', t('waitingExplain')), send);
  }
  status.after(waiting);
  showWaiting(settings);

  form.querySelector('h4').after(smtpAutoconfig(form));
  const security = form.querySelector('[data-field="smtp_security"]');
  const port = form.querySelector('[data-field="smtp_port"]');
  security.addEventListener('change', () => {
    // Follow the usual port for the chosen security unless the user typed another one.
    if (!port.value || Object.values(SECURITY_PORTS).includes(Number(port.value))) port.value = SECURITY_PORTS[security.value];
  });

  function collect() {
    const values = {
      enabled: valueOf(form, 'enabled'),
      inbox: valueOf(form, 'inbox').trim(),
      allow_other_inbox: valueOf(form, 'allow_other_inbox'),
      sender: valueOf(form, 'sender').trim(),
      smtp_host: valueOf(form, 'smtp_host').trim(),
      smtp_port: port.value ? Number(port.value) : null,
      smtp_security: security.value,
      smtp_username: valueOf(form, 'smtp_username').trim(),
      smtp_ca_cert: valueOf(form, 'smtp_ca_cert').trim(),
    };
    const password = valueOf(form, 'smtp_password');
    if (password) values.smtp_password = password; // write-only: sent when typed, never read back
    return values;
  }

  async function persist() {
    clearErrors(form);
    const saved = await api.saveLibeoSettings(collect());
    const passwordInput = form.querySelector('[data-field="smtp_password"]');
    passwordInput.value = '';
    passwordInput.placeholder = saved.password_set ? t('smtpPasswordKeep') : '';
    passwordState.textContent = saved.password_set ? t('passwordSet') : t('passwordNotSet');
    passwordState.className = `tag ${saved.password_set ? 'tag-ok' : 'tag-muted'}`;
    showWaiting(saved);
    return saved;
  }

  function showLibeoErrors(error) {
    // A closed disclosure can neither show nor focus its field: opened when the error names it.
    if (error?.fields?.smtp_ca_cert) form.querySelector('#libeo-advanced').open = true;
    showErrors(form, status, error);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await busy(save, persist);
      setStatus(status, t('saved'), 'success');
    } catch (error) {
      showLibeoErrors(error);
    }
  });
  test.addEventListener('click', async () => {
    setStatus(status, t('testing'), 'info');
    try {
      await busy(test, async () => {
        // Test what is on screen; save it only once it works (a refused password is never kept).
        await api.testLibeo(collect());
        await persist();
      });
      setStatus(status, t('testOk'), 'success');
    } catch (error) {
      showLibeoErrors(error);
    }
  });
  return form;
}

function folderForm(settings) {
  const status = statusLine();
  const save = h('button', { type: 'submit', class: ['btn', 'btn-primary'], id: 'folder-save' }, t('save'));
  const form = h('form', { class: ['card', 'form'], id: 'folder-form', novalidate: true },
    h('h3', {}, t('folderTitle')),
    h('p', { class: ['muted', 'small'] }, t('folderIntro')),
    field({ name: 'enabled', type: 'checkbox', value: settings.enabled, label: t('folderEnabled') }),
    field({ name: 'path', value: settings.path, label: t('folderPath'), help: t('folderPathHelp') }),
    status,
    h('div', { class: 'actions' }, save));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      await busy(save, () => api.saveFolderSettings({ enabled: valueOf(form, 'enabled'), path: valueOf(form, 'path').trim() }));
      setStatus(status, t('saved'), 'success');
    } catch (error) {
      showErrors(form, status, error);
    }
  });
  return form;
}

export function mountSettings(container) {
  const loading = h('p', { class: 'muted', role: 'status' }, t('loading'));
  const optionsLink = h('button', { type: 'button', class: ['btn', 'btn-ghost', 'btn-block'], onClick: () => chrome.runtime.openOptionsPage() },
    t('openOptions'));
  container.append(h('div', { class: 'view-head' }, h('h2', { id: 'settings-title' }, t('settingsTitle'))), loading);
  let alive = true;
  Promise.all([api.getLibeoSettings(), api.getFolderSettings()]).then(([libeo, folder]) => {
    if (!alive) return;
    loading.replaceWith(libeoForm(libeo), folderForm(folder), pairedBrowsersCard(), optionsLink);
  }).catch((error) => {
    if (alive) loading.textContent = errorMessage(error);
  });
  return () => {
    alive = false;
  };
}
