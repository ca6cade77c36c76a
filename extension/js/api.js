// The only module that talks to the local server (API v1, see the server's /api/openapi.json).
// It adds the token, sets timeouts and turns every failure into one of three typed errors:
// ServerOfflineError (nothing answers), UnauthorizedError (pair again), ApiError (the server's
// own message and field errors, to show to the user).

import { currentLang, t } from './i18n.js';
import { clearToken, readSettings, readToken } from './storage.js';

const DEFAULT_TIMEOUT_MS = 10000;
const APP_NAME = 'invoice-collector';
const API_VERSION = 1;

/** Nothing answers on the port (connection refused) or the server did not answer in time. */
export class ServerOfflineError extends Error {
  constructor(port, reason) {
    super(`server offline on port ${port}: ${reason}`);
    this.name = 'ServerOfflineError';
    this.port = port;
    this.reason = reason; // "refused" | "timeout"
  }
}

/** The token is missing, expired or revoked: the user must pair again. */
export class UnauthorizedError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UnauthorizedError';
  }
}

/** Some other program answers on the port, or an incompatible version of ours. */
export class WrongServerError extends Error {
  constructor(port) {
    super(`port ${port} is not an invoice-collector API v${API_VERSION}`);
    this.name = 'WrongServerError';
    this.port = port;
  }
}

/** The server refused the request: {"error": {"code", "message", "fields"}}. */
export class ApiError extends Error {
  constructor(status, code, message, fields, body) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields || {};
    this.body = body || null;
  }
}

// The app shell listens here to switch to the offline or pairing screen, whatever view failed.
export const apiEvents = new EventTarget();

async function baseUrl() {
  const { port } = await readSettings();
  return { port, base: `http://127.0.0.1:${port}` };
}

async function send(method, path, { body, timeout = DEFAULT_TIMEOUT_MS, auth = true } = {}) {
  const { port, base } = await baseUrl();
  const headers = { Accept: 'application/json', 'Accept-Language': currentLang() };
  if (auth) {
    const token = await readToken();
    if (!token) throw unauthorized();
    headers.Authorization = `Bearer ${token}`;
  }
  if (method !== 'GET') headers['Content-Type'] = 'application/json';
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  try {
    const response = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
      cache: 'no-store',
      credentials: 'omit',
    });
    if (response.status === 401 && auth) {
      await clearToken(true);
      throw unauthorized(await errorFrom(response));
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  } catch (error) {
    if (error instanceof ApiError || error instanceof UnauthorizedError) throw error;
    // fetch() rejects with a TypeError when the connection is refused, an AbortError on timeout.
    const offline = new ServerOfflineError(port, error.name === 'AbortError' ? 'timeout' : 'refused');
    apiEvents.dispatchEvent(new CustomEvent('offline', { detail: offline }));
    throw offline;
  } finally {
    clearTimeout(timer);
  }
}

function unauthorized(apiError) {
  const error = new UnauthorizedError(apiError ? apiError.message : t('errorNotPaired'));
  apiEvents.dispatchEvent(new CustomEvent('unauthorized', { detail: error }));
  return error;
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: some other program, or a proxy page
  }
  const detail = body && body.error;
  if (detail && typeof detail.message === 'string') {
    return new ApiError(response.status, detail.code, detail.message, detail.fields, body);
  }
  return new ApiError(response.status, 'UNEXPECTED', t('errorUnexpected', response.status), {}, body);
}

async function json(method, path, options) {
  const response = await send(method, path, options);
  if (response.status === 204) return null;
  return response.json();
}

function query(params) {
  const entries = Object.entries(params).filter(([, value]) => value !== undefined && value !== null && value !== '');
  return entries.length ? `?${new URLSearchParams(entries)}` : '';
}

// --- connection ---

/** Checks that our server answers; returns its health document. */
export async function health() {
  const { port } = await baseUrl();
  let body;
  try {
    body = await json('GET', '/api/health', { auth: false, timeout: 4000 });
  } catch (error) {
    if (error instanceof ApiError) throw new WrongServerError(port);
    throw error;
  }
  if (!body || body.app !== APP_NAME || body.api_version !== API_VERSION) throw new WrongServerError(port);
  return body;
}

/** Exchanges the code printed by `invoice-collector pair` for a token. */
export async function pair(code) {
  const body = await json('POST', '/api/pair', { auth: false, body: { code } });
  return body.token;
}

// --- paired browsers ---

/** Every browser paired with the server: {id, name, paired_at, last_used_at, current}. */
export async function listPairings() {
  return (await json('GET', '/api/pairings')).pairings;
}

/** Revokes a pairing; revoking this browser's own sends the panel back to the pairing screen. */
export async function revokePairing(pairing) {
  await json('DELETE', `/api/pairings/${encodeURIComponent(pairing.id)}`);
  if (pairing.current) {
    await clearToken();
    unauthorized();
  }
}

/**
 * « Oublier l’association »: revokes this browser's pairing on the server when it answers (so no
 * unused token stays valid there), and forgets the token here in any case.
 */
export async function forgetThisBrowser() {
  try {
    const mine = (await listPairings()).find((pairing) => pairing.current);
    if (mine) await json('DELETE', `/api/pairings/${encodeURIComponent(mine.id)}`);
  } catch {
    // offline, or already revoked: forgetting the token here is still what the user asked
  } finally {
    await clearToken();
  }
}

// --- providers ---

/** The catalog; `withDemo` adds the demo supplier, left out of the list a user chooses from. */
export async function listProviders(search = '', { withDemo = false } = {}) {
  return (await json('GET', `/api/providers${query({ q: search.trim(), demo: withDemo ? '1' : undefined })}`)).providers;
}

const logoCache = new Map();

/** A blob: URL of the provider's bundled logo (the route needs the token, so no plain <img src>). */
export function providerLogo(providerId) {
  if (!logoCache.has(providerId)) {
    const promise = send('GET', `/api/providers/${encodeURIComponent(providerId)}/logo`)
      .then(async (response) => URL.createObjectURL(await response.blob()))
      .catch((error) => {
        // A provider without a logo stays without one: asking again at every render is a 404
        // each time. Anything else (offline, a restart) is asked again later.
        if (!(error instanceof ApiError && error.status === 404)) logoCache.delete(providerId);
        throw error;
      });
    logoCache.set(providerId, promise);
  }
  return logoCache.get(providerId);
}

// --- accounts and jobs ---

export async function listAccounts() {
  return (await json('GET', '/api/accounts')).accounts;
}

export async function createAccount(payload) {
  return json('POST', '/api/accounts', { body: payload, timeout: 20000 });
}

export async function updateCredentials(accountId, credentials) {
  return (await json('PUT', `/api/accounts/${accountId}/credentials`, { body: { credentials }, timeout: 20000 })).account;
}

export async function updateAccount(accountId, changes) {
  return (await json('PATCH', `/api/accounts/${accountId}`, { body: changes })).account;
}

export async function deleteAccount(accountId) {
  await json('DELETE', `/api/accounts/${accountId}`, { timeout: 20000 });
}

/** Starts a job; when one already runs for the account (409) that job is returned instead. */
async function startJob(path) {
  try {
    return (await json('POST', path, { body: {} })).job;
  } catch (error) {
    if (error instanceof ApiError && error.status === 409 && error.body && error.body.job) return error.body.job;
    throw error;
  }
}

/** Starts a collection (or returns the one running). */
export async function syncAccount(accountId) {
  return startJob(`/api/accounts/${accountId}/sync`);
}

/** « Diagnostiquer la recette »: runs the recipe once on the account, storing and sending nothing. */
export async function checkRecipe(accountId) {
  return startJob(`/api/accounts/${accountId}/check-recipe`);
}

/** The file name a download's Content-Disposition gives, or the fallback. */
function attachmentName(response, fallback) {
  const disposition = response.headers.get('Content-Disposition') || '';
  return (/filename="?([^";]+)"?/.exec(disposition) || [])[1] || fallback;
}

/** A recipe check's report (Markdown, no personal data): {blob, name}. */
export async function checkReport(jobId) {
  const response = await send('GET', `/api/jobs/${jobId}/report`);
  return { blob: await response.blob(), name: attachmentName(response, 'rapport.md') };
}

/** The user approves the recipe they were shown (its fingerprint); returns the account. */
export async function approveRecipe(accountId, fingerprint) {
  return (await json('POST', `/api/accounts/${accountId}/approve-recipe`, { body: { fingerprint } })).account;
}

/** The account's last syncs, newest first (at most 100). */
export async function accountHistory(accountId, limit = 20) {
  return (await json('GET', `/api/accounts/${accountId}/history${query({ limit })}`)).syncs;
}

export async function getJob(jobId) {
  return (await json('GET', `/api/jobs/${jobId}`)).job;
}

export async function sendCode(jobId, code) {
  return (await json('POST', `/api/jobs/${jobId}/code`, { body: { code } })).job;
}

// --- invoices ---

/** `filters`: {status, q, provider, from, to, minAmount, maxAmount}, any of them. */
export async function listInvoices({ account, page = 1, perPage = 20, ...filters } = {}) {
  const { status, q, provider, from, to, minAmount, maxAmount } = filters;
  return json('GET', `/api/invoices${query({
    account, status, q, provider, from, to, min_amount: minAmount, max_amount: maxAmount, page, per_page: perPage,
  })}`);
}

/** The invoice's PDF as a Blob (the route needs the token). */
export async function invoicePdf(invoiceId) {
  const response = await send('GET', `/api/invoices/${invoiceId}/pdf`, { timeout: 30000 });
  return response.blob();
}

/** The PDFs of the chosen invoices as one ZIP: {blob, name, withoutPdf}. */
export async function invoicesZip(invoiceIds) {
  const response = await send('POST', '/api/invoices/zip', { body: { ids: invoiceIds }, timeout: 120000 });
  const name = attachmentName(response, 'factures.zip');
  return { blob: await response.blob(), name, withoutPdf: Number(response.headers.get('X-Invoices-Without-Pdf') || 0) };
}

/** « Envoyer à Libeo » for an invoice that never went (its PDF fetched first when it has none). */
export async function sendInvoice(invoiceId) {
  return (await json('POST', `/api/invoices/${invoiceId}/send`, { body: {} })).invoice;
}

/** Sends every invoice collected while sending to Libeo was off: {queued, already_sent}. */
export async function sendWaitingInvoices() {
  return json('POST', '/api/invoices/send-waiting', { body: {} });
}

export async function retryInvoice(invoiceId) {
  return (await json('POST', `/api/invoices/${invoiceId}/retry`, { body: {} })).invoice;
}

// --- destinations ---

export async function getLibeoSettings() {
  return (await json('GET', '/api/settings/libeo')).libeo;
}

export async function saveLibeoSettings(settings) {
  return (await json('PUT', '/api/settings/libeo', { body: settings })).libeo;
}

/** Logs in to the SMTP server without sending anything. */
/** Logs in to the SMTP server with these settings (the saved ones for what is left out). */
export async function testLibeo(settings = {}) {
  return json('POST', '/api/settings/libeo/test', { body: settings, timeout: 45000 });
}

export async function getFolderSettings() {
  return (await json('GET', '/api/settings/folder')).folder;
}

export async function saveFolderSettings(settings) {
  return (await json('PUT', '/api/settings/folder', { body: settings })).folder;
}

/** SMTP settings known for a sender address: {provider, smtp_host, smtp_port, …} or null. */
export async function smtpPreset(address) {
  return (await json('GET', `/api/smtp-presets${query({ address: address.trim() })}`)).preset;
}

// --- the demo supplier ---

/** Starts the demo supplier's portal: {demo, provider, credentials} (the provider to add). */
export async function startDemo() {
  return json('POST', '/api/demo', { body: {}, timeout: 45000 });
}

/** Whether the demo runs, and its local test inbox: {running, test_inbox: {in_use, available, messages}}. */
export async function demoState() {
  return (await json('GET', '/api/demo')).demo;
}

/** Publishes a new invoice on the demo portal and syncs the demo account: {invoice, job}. */
export async function publishDemoInvoice() {
  return json('POST', '/api/demo/publish', { body: {}, timeout: 45000 });
}

/** Libeo delivery goes to the demo's local test inbox (while Libeo is not set up). */
export async function useDemoTestInbox() {
  return (await json('POST', '/api/demo/inbox', { body: {}, timeout: 45000 })).demo;
}

// --- recipes recorded in the panel ---

/** Checks a recipe draft (YAML): {ok, provider}; an ApiError RECIPE_INVALID lists body.problems. */
export async function checkDraft(yaml) {
  return json('POST', '/api/recipes/draft/check', { body: { yaml }, timeout: 30000 });
}

/** Test-runs a draft headless with these credentials (held by the server for that run only). */
export async function tryDraft(yaml, credentials) {
  return (await json('POST', '/api/recipes/draft/try', { body: { yaml, credentials }, timeout: 30000 })).trial;
}

export async function getTrial(trialId) {
  return (await json('GET', `/api/recipes/draft/try/${trialId}`)).trial;
}

/** Saves a draft into providers.d/: {provider, file}; a 409 PROVIDER_EXISTS unless `overwrite`. */
export async function saveRecipe(yaml, overwrite = false) {
  return json('POST', '/api/recipes', { body: { yaml, overwrite }, timeout: 30000 });
}

/** The one-time code a trial waits for (its state is waiting_for_code). */
export async function sendTrialCode(trialId, code) {
  return (await json('POST', `/api/recipes/draft/try/${trialId}/code`, { body: { code } })).trial;
}
