// After « Ajouter le compte »: the first sync's answer to the login, read from the jobs the store
// polls. The add form waits for it, so a refused password is said there, next to the field, and
// not 10 s later as a red card somewhere else.

import { ACTIVE_JOB_STATES, store } from './store.js';

const WAIT_LIMIT_MS = 90000; // a slow portal: stop waiting, the card takes over
// The phases of a run that come after a successful login.
const PAST_LOGIN_STEPS = new Set(['invoices', 'load_more', 'for_each', 'fetch_api', 'fetch_json', 'flatten']);

/** True once the run is reading the invoice list: the portal took the credentials. */
export function pastLogin(job) {
  const progress = job.progress || {};
  return progress.listed > 0 || progress.downloaded > 0 || PAST_LOGIN_STEPS.has(progress.step_name);
}

/**
 * Resolves to {verdict, outcome}: 'refused' (the portal rejected the credentials), 'accepted'
 * (past the login, or the sync ended for another reason the card explains), 'attention' (a code or
 * the site's own window is asked for: the accounts screen shows those), or 'pending' (too long).
 */
export function loginVerdict(jobId) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done({ verdict: 'pending' }), WAIT_LIMIT_MS);
    function done(result) {
      clearTimeout(timer);
      store.removeEventListener('job', onJob);
      resolve(result);
    }
    function onJob(event) {
      const { job } = event.detail;
      if (job.id !== jobId) return;
      if (job.state === 'waiting_for_code' || job.state === 'waiting_for_user') done({ verdict: 'attention' });
      else if (ACTIVE_JOB_STATES.has(job.state)) {
        if (pastLogin(job)) done({ verdict: 'accepted' });
      } else if (job.outcome && job.outcome.code === 'LOGIN_FAILED') done({ verdict: 'refused', outcome: job.outcome });
      else done({ verdict: 'accepted', outcome: job.outcome });
    }
    store.addEventListener('job', onJob);
  });
}
