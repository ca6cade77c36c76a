// "Not connected" screen: the server does not answer (or something else answers on the port).

import { WrongServerError } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { icon } from '../icons.js';
import { DEFAULT_PORT } from '../storage.js';

/** The command that starts the server on `port`. */
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
 * @param {HTMLElement} container
 * @param {{port: number, error: Error, onRetry: () => void}} options
 */
export function renderOffline(container, { port, error, onRetry }) {
  const wrongServer = error instanceof WrongServerError;
  const retry = h('button', { type: 'button', class: ['btn', 'btn-primary'], onClick: onRetry }, t('retry'));
  container.replaceChildren(h('section', { class: ['card', 'connect-card'], id: 'offline', 'aria-labelledby': 'offline-title' },
    h('div', { class: 'connect-icon' }, icon('plug')),
    h('h2', { id: 'offline-title' }, wrongServer ? t('wrongServerTitle') : t('offlineTitle')),
    h('p', {}, wrongServer ? t('wrongServerText', port) : t('offlineText')),
    commandBlock(serveCommand(port)),
    h('p', { class: 'muted' }, t('offlineAutoRetry')),
    h('div', { class: 'actions' }, retry,
      h('button', { type: 'button', class: ['btn', 'btn-ghost'], onClick: () => chrome.runtime.openOptionsPage() },
        t('openOptions'))),
    h('p', { class: ['muted', 'small'] }, t('offlinePort', port)),
  ));
}
