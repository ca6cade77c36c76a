// "Not connected" screen: the server does not answer (or something else answers on the port).

import { WrongServerError } from '../api.js';
import { busy, h, setStatus, statusLine } from '../dom.js';
import { t } from '../i18n.js';
import { icon } from '../icons.js';
import { nativeHello, nativeStartServer } from '../native.js';
import { DEFAULT_PORT } from '../storage.js';

/** The command that starts the server on `port` (for this session only). */
export function serveCommand(port) {
  return port === DEFAULT_PORT ? 'invoice-collector serve' : `invoice-collector serve --port ${port}`;
}

/** A command in a code block, with a button that copies it. */
export function commandBlock(command) {
  const status = h('span', { class: 'copy-status', role: 'status', 'aria-live': 'polite' });
  const copy = h('button', {
    type: 'button',
    class: ['btn', 'btn-ghost', 'btn-small'],
    onClick: async () => {
      await navigator.clipboard.writeText(command);
      status.textContent = t('copied');
    },
  }, t('copy'));
  return h('div', { class: 'command' }, h('code', { class: 'command-text' }, ...commandParts(command)), copy, status);
}

// A narrow panel wraps the command between its words, never inside one, and keeps an option with
// its value (`--port 47999`): each part is unbreakable, the spaces between them are not.
function commandParts(command) {
  const parts = [];
  for (const word of command.split(' ')) {
    const last = parts[parts.length - 1];
    if (last && last.startsWith('--') && !last.includes(' ') && !word.startsWith('-')) parts[parts.length - 1] = `${last} ${word}`;
    else parts.push(word);
  }
  return parts.flatMap((part, index) => [index ? ' ' : null, h('span', { class: 'command-part' }, part)]);
}

/**
 * The server is not running: with the invoice-collector program reachable (native messaging), a
 * button starts it; otherwise the commands that install it and start it at every login.
 */
function startOrInstall(onRetry) {
  const slot = h('div', { id: 'offline-start' },
    h('p', {}, t('offlineText')),
    commandBlock('invoice-collector setup'),
    h('p', { class: ['muted', 'small'] }, t('offlineAlreadySetUp')),
    commandBlock('invoice-collector autostart enable'));
  nativeHello().then(() => {
    const status = statusLine();
    const start = h('button', { type: 'button', class: ['btn', 'btn-primary'], id: 'start-server' }, t('offlineStart'));
    start.addEventListener('click', () => busy(start, async () => {
      setStatus(status, t('offlineStarting'), 'info');
      try {
        await nativeStartServer();
        onRetry();
      } catch (error) {
        setStatus(status, error.message, 'error');
      }
    }));
    slot.replaceChildren(
      h('p', {}, t('offlineStartText')),
      h('div', { class: 'actions' }, start),
      status,
      h('p', { class: ['muted', 'small'] }, t('offlineAtLogin')),
      commandBlock('invoice-collector autostart enable'));
  }, () => {});
  return slot;
}

/**
 * @param {HTMLElement} container
 * @param {{port: number, error: Error, onRetry: () => void}} options
 */
export function renderOffline(container, { port, error, onRetry }) {
  const wrongServer = error instanceof WrongServerError;
  const retry = h('button', { type: 'button', class: ['btn', wrongServer ? 'btn-primary' : 'btn-ghost'], onClick: onRetry },
    t('retry'));
  container.replaceChildren(h('section', { class: ['card', 'connect-card'], id: 'offline', 'aria-labelledby': 'offline-title' },
    h('div', { class: 'connect-icon' }, icon('plug')),
    h('h2', { id: 'offline-title' }, wrongServer ? t('wrongServerTitle') : t('offlineTitle')),
    wrongServer ? h('p', {}, t('wrongServerText', port)) : null,
    wrongServer ? commandBlock(serveCommand(port)) : startOrInstall(onRetry),
    h('p', { class: 'muted' }, t('offlineAutoRetry')),
    h('div', { class: 'actions' }, retry,
      h('button', { type: 'button', class: ['btn', 'btn-ghost'], onClick: () => chrome.runtime.openOptionsPage() },
        t('openOptions'))),
    h('p', { class: ['muted', 'small'] }, t('offlinePort', port)),
  ));
}
