// What the panel knows of the server: accounts, their running jobs, the provider catalog.
// Views listen to `store` events instead of fetching on their own, so the one-time-code prompt
// and the account cards stay in step with the jobs being polled.
//   'accounts'    detail: the account list (after any change)
//   'job'         detail: {accountId, job} (each poll of a running job)
//   'jobfinished' detail: {accountId, job}

import * as api from './api.js';

export const ACTIVE_JOB_STATES = new Set(['queued', 'running', 'waiting_for_code', 'waiting_for_user']);
const JOB_POLL_MS = 1000;
const ACCOUNTS_REFRESH_MS = 5000; // also how soon a stopped server is noticed

export const store = new EventTarget();

let accounts = [];
let providers = null; // Promise<Map<id, provider>>
const watchedJobs = new Map(); // job id -> account id
const finishedJobs = new Map(); // account id -> the last job that finished while the panel was open
let jobTimer = null;
let refreshTimer = null;
let running = false;

function emit(type, detail) {
  store.dispatchEvent(new CustomEvent(type, { detail }));
}

export function getAccounts() {
  return accounts;
}

export function getAccount(accountId) {
  return accounts.find((account) => account.id === accountId) || null;
}

/** The last job that finished for this account since the panel opened (for its summary). */
export function finishedJob(accountId) {
  return finishedJobs.get(accountId) || null;
}

export async function refreshAccounts() {
  accounts = await api.listAccounts();
  for (const account of accounts) {
    if (account.job && ACTIVE_JOB_STATES.has(account.job.state)) watchJob(account.job);
  }
  emit('accounts', accounts);
  return accounts;
}

export function upsertAccount(account) {
  const index = accounts.findIndex((known) => known.id === account.id);
  if (index >= 0) accounts[index] = account;
  else accounts.push(account);
  emit('accounts', accounts);
}

export function removeAccount(accountId) {
  accounts = accounts.filter((account) => account.id !== accountId);
  finishedJobs.delete(accountId);
  emit('accounts', accounts);
}

/** Polls this job until it finishes, updating its account as it goes. */
export function watchJob(job) {
  applyJob(job);
  if (!ACTIVE_JOB_STATES.has(job.state)) return;
  watchedJobs.set(job.id, job.account_id);
  if (running && !jobTimer) jobTimer = setTimeout(pollJobs, JOB_POLL_MS);
}

function applyJob(job) {
  const account = getAccount(job.account_id);
  if (account) {
    account.job = job;
    if (job.state === 'waiting_for_code' || job.state === 'waiting_for_user') account.state = job.state;
    else if (ACTIVE_JOB_STATES.has(job.state)) account.state = 'syncing';
  }
  emit('job', { accountId: job.account_id, job });
}

async function pollJobs() {
  jobTimer = null;
  if (!running) return;
  let anyFinished = false;
  for (const [jobId, accountId] of [...watchedJobs]) {
    let job;
    try {
      job = await api.getJob(jobId);
    } catch (error) {
      if (error instanceof api.ApiError && error.status === 404) {
        watchedJobs.delete(jobId); // the account was deleted meanwhile
        continue;
      }
      return; // offline or unpaired: api.js has told the app shell
    }
    applyJob(job);
    if (!ACTIVE_JOB_STATES.has(job.state)) {
      watchedJobs.delete(jobId);
      finishedJobs.set(accountId, job);
      anyFinished = true;
      emit('jobfinished', { accountId, job });
    }
  }
  if (anyFinished) await refreshAccounts().catch(() => {});
  if (running && watchedJobs.size && !jobTimer) jobTimer = setTimeout(pollJobs, JOB_POLL_MS);
}

async function periodicRefresh() {
  refreshTimer = null;
  if (!running) return;
  try {
    await refreshAccounts(); // catches collections started by the server's own schedule
  } catch {
    return; // api.js has told the app shell
  }
  if (running) refreshTimer = setTimeout(periodicRefresh, ACCOUNTS_REFRESH_MS);
}

/** Starts polling (the main screen is shown). */
export function startMonitor() {
  if (running) return;
  running = true;
  refreshTimer = setTimeout(periodicRefresh, ACCOUNTS_REFRESH_MS);
  if (watchedJobs.size) jobTimer = setTimeout(pollJobs, JOB_POLL_MS);
}

/** Stops polling (offline, unpaired). */
export function stopMonitor() {
  running = false;
  clearTimeout(jobTimer);
  clearTimeout(refreshTimer);
  jobTimer = null;
  refreshTimer = null;
}

/** The provider catalog by id (the demo supplier too: an account may be its), loaded once per panel. */
export function loadProviders() {
  if (!providers) {
    providers = api.listProviders('', { withDemo: true })
      .then((list) => new Map(list.map((provider) => [provider.id, provider])))
      .catch((error) => {
        providers = null;
        throw error;
      });
  }
  return providers;
}
