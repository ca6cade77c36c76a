// The invoice-collector program on this computer, reached through Chrome's native messaging (not
// the server: api.js alone talks to the server). Chrome starts it for this extension only; it pairs
// this browser with no code and starts the server. Chrome refuses when it is not installed
// (`invoice-collector setup` installs it) or not allowed: a browser in a Flatpak or Snap sandbox,
// a machine whose administrator forbids native hosts. Then the six-digit code remains.

import { localized } from './i18n.js';
import { writePairing, writeSettings } from './storage.js';

export const HOST_NAME = 'fr.invoice_collector.host';

/** Chrome could not start the host: not installed, or not allowed here. */
export class NativeUnavailableError extends Error {
  constructor(reason) {
    super(`native host unavailable: ${reason}`);
    this.name = 'NativeUnavailableError';
  }
}

/** The host answered with {error: {code, message_fr, message_en}}. */
export class NativeHostError extends Error {
  constructor(error) {
    super(localized(error, 'message'));
    this.name = 'NativeHostError';
    this.code = error.code;
  }
}

async function ask(message) {
  if (!chrome.runtime.sendNativeMessage) throw new NativeUnavailableError('no nativeMessaging permission');
  let reply;
  try {
    reply = await chrome.runtime.sendNativeMessage(HOST_NAME, message);
  } catch (error) {
    throw new NativeUnavailableError(error.message);
  }
  if (!reply || typeof reply !== 'object') throw new NativeUnavailableError('no answer');
  if (reply.error) throw new NativeHostError(reply.error);
  return reply;
}

/** {app, version, port, running}: whether the host is there, and the server's state. */
export function nativeHello() {
  return ask({ type: 'hello' });
}

/** Starts the server (when it is not running); {port, running}. */
export async function nativeStartServer() {
  const reply = await ask({ type: 'start' });
  await writeSettings({ port: reply.port });
  return reply;
}

/** Pairs this browser with no code (starting the server first if needed) and keeps the token. */
export async function nativePair() {
  const reply = await ask({ type: 'pair', user_agent: navigator.userAgent });
  await writePairing(reply.token, reply.port);
  return reply;
}
