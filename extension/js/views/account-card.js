// One account in « Gérer les comptes existants »: provider, state, live progress, facts.

import { providerLogo } from '../api.js';
import { h } from '../dom.js';
import { formatDateTime, formatTimeLeft } from '../format.js';
import { localized, t, tp } from '../i18n.js';
import { icon } from '../icons.js';
import { pastLogin } from '../login-check.js';
import { ACTIVE_JOB_STATES, finishedJob } from '../store.js';

/** The provider's logo, or its initial while the logo loads (or if there is none). */
export function providerBadge(providerId, name, hasLogo = true) {
  const badge = h('span', { class: 'provider-logo', 'aria-hidden': 'true' }, (name || '?').trim().charAt(0).toUpperCase());
  if (hasLogo) {
    providerLogo(providerId).then((url) => {
      badge.replaceChildren(h('img', { src: url, alt: '' }));
      badge.classList.add('has-image');
    }).catch(() => {}); // keep the initial
  }
  return badge;
}

/** The outcome message in the panel's language. */
export function outcomeText(outcome) {
  if (!outcome) return '';
  return localized(outcome, 'message') || outcome.message || outcome.code;
}

// Outcomes a person settles in the site's own window (a captcha, new terms, a confirmation):
// « Résoudre maintenant » starts a sync they attend, which shows them that window.
const NEEDS_A_PERSON = new Set(['CAPTCHA', 'ACTION_NEEDED']);

/** What the account is doing now: {kind, label, detail, until, progress, action}. */
export function describeState(account) {
  const job = account.job && ACTIVE_JOB_STATES.has(account.job.state) ? account.job : null;
  if (job && job.state === 'waiting_for_code') {
    return { kind: 'warning', icon: 'key', label: t('stateWaitingForCode'), detail: t('stateWaitingForCodeDetail') };
  }
  if (job && job.state === 'waiting_for_user' && job.prompt) {
    return {
      kind: 'warning', icon: 'window', label: t('stateHandOver'), handOver: true,
      detail: localized(job.prompt, 'text'),
      until: job.prompt.until,
    };
  }
  if (job) {
    return { kind: 'busy', icon: 'sync', label: job.trigger === 'check' ? t('stateChecking') : t('stateSyncing'), progress: job };
  }
  if (account.recipe && account.recipe.approval_needed) {
    return { kind: 'error', icon: 'alert', label: t('stateApproval'), approval: account.recipe, action: 'approve' };
  }
  if (!account.enabled) return { kind: 'muted', icon: 'pause', label: t('statePaused') };
  const code = account.last_outcome && account.last_outcome.code;
  // The site changed under the recipe: the user can run a check that writes a report for the bug report.
  const diagnose = code === 'RECIPE_BROKEN';
  if (account.blocked || account.state === 'blocked') {
    return {
      kind: 'error', icon: 'alert', label: t('stateBlocked'), detail: outcomeText(account.last_outcome), diagnose,
      action: code === 'LOGIN_FAILED' ? 'edit' : (NEEDS_A_PERSON.has(code) ? 'resolve' : 'sync'),
    };
  }
  if (account.state === 'error') {
    return { kind: 'error', icon: 'alert', label: t('stateError'), detail: outcomeText(account.last_outcome), action: 'sync', diagnose };
  }
  if (account.state === 'new') return { kind: 'muted', icon: 'clock', label: t('stateNew') };
  return { kind: 'ok', icon: 'check', label: t('stateOk') };
}

// Recipe steps by what the user would call them (the engine's own messages are for logs).
const SITE_STEPS = new Set(['open', 'follow', 'back', 'reload', 'switch_frame', 'switch_tab', 'close_tab']);

/** What a running job is doing, in words. */
export function phaseOf(job) {
  const progress = job.progress || {};
  if (job.state === 'queued') return t('progressQueued');
  if (progress.step_name === 'one_time_code') return t('progressCode');
  if (progress.downloaded > 0) return t('progressDownloading');
  if (pastLogin(job)) return t('progressListing');
  if (!progress.step_name || SITE_STEPS.has(progress.step_name)) return t('progressOpening');
  return t('progressLoggingIn');
}

function progressBlock(job) {
  const progress = job.progress || {};
  const lines = [phaseOf(job), t('progressCounts', progress.listed || 0, progress.downloaded || 0)];
  return h('div', { class: 'progress' },
    h('div', { class: 'progress-bar', role: 'progressbar', 'aria-label': t('stateSyncing') }, h('span')),
    lines.map((line) => h('p', { class: 'progress-line' }, line)));
}

/** After a recipe check that finished while the panel was open: its outcome and its report. */
function checkSummary(job, onReport) {
  if (!job || job.trigger !== 'check' || !job.outcome) return null;
  return h('div', { class: 'check-summary' },
    h('p', { class: 'summary' }, t('checkDone', job.outcome.code === 'OK' ? t('checkOk') : outcomeText(job.outcome))),
    job.report ? h('button', { type: 'button', class: ['btn', 'btn-small', 'btn-ghost', 'report'], onClick: () => onReport(job) },
      icon('download', 'icon icon-small'), t('checkReport')) : null);
}

/** "Collection done: 2 new invoices…" after a job that finished while the panel was open. */
function summaryOf(job) {
  if (!job || job.state !== 'succeeded' || job.trigger === 'check') return null;
  const parts = [tp('summaryNew', job.new_invoices || 0)];
  if (job.baseline) parts.push(tp('summaryBaseline', job.baseline));
  return h('p', { class: 'summary' }, t('summaryDone'), ' ', parts.join(' · '));
}

function fact(label, value) {
  return h('div', { class: 'fact' }, h('dt', {}, label), h('dd', {}, value));
}

/** "Temps restant : 4 min 32 s", ticking in place every second (a role=timer is not announced
 * at each tick, and the card itself re-renders only when the job changes). */
function countdownLine(container, until) {
  const text = () => t('handOverTimeLeft', formatTimeLeft(until));
  const line = h('p', { class: 'state-countdown', role: 'timer' }, text());
  container.countdown = setInterval(() => {
    if (line.isConnected) line.textContent = text();
    else clearInterval(container.countdown);
  }, 1000);
  return line;
}

/** The origins a changed recipe would send the credentials to, the ones not approved yet marked. */
function approvalBlock(recipe) {
  const approved = new Set(recipe.approved_origins || []);
  return h('div', { class: 'approval' },
    h('p', { class: 'state-detail' }, t('approvalExplain')),
    h('ul', { class: 'origin-list' }, (recipe.origins || []).map((origin) => h('li', {}, h('code', {}, origin),
      approved.has(origin) ? null : h('span', { class: ['tag', 'tag-new'] }, t('approvalNew'))))));
}

/** The part of a card that changes while a job runs (re-rendered when the job changes). */
export function renderStatus(container, account, { onEdit, onSync, onApprove, onDiagnose, onReport }) {
  const stateInfo = describeState(account);
  const items = [
    h('span', { class: ['state', `state-${stateInfo.kind}`] }, icon(stateInfo.icon, 'icon icon-small'), stateInfo.label),
  ];
  if (account.recipe && account.recipe.local) items.unshift(h('span', { class: ['tag', 'tag-local'] }, t('localRecipe')));
  if (account.recipe && account.recipe.problem) {
    items.push(h('p', { class: ['banner', 'banner-warning', 'recipe-problem'] }, t('recipeProblem', account.recipe.problem)));
  }
  if (stateInfo.approval) items.push(approvalBlock(stateInfo.approval));
  if (stateInfo.detail) items.push(h('p', { class: 'state-detail' }, stateInfo.detail));
  clearInterval(container.countdown);
  if (stateInfo.until) items.push(countdownLine(container, stateInfo.until));
  if (stateInfo.progress) items.push(progressBlock(stateInfo.progress));
  if (!stateInfo.progress && stateInfo.kind === 'ok') items.push(summaryOf(finishedJob(account.id)));
  if (stateInfo.action === 'edit') {
    items.push(h('button', { type: 'button', class: ['btn', 'btn-small', 'btn-primary'], onClick: onEdit }, t('menuEditCredentials')));
  } else if (stateInfo.action === 'approve') {
    items.push(h('button', { type: 'button', class: ['btn', 'btn-small', 'btn-primary', 'approve'], onClick: onApprove }, t('approvalButton')));
  } else if (stateInfo.action === 'resolve') {
    items.push(h('button', { type: 'button', class: ['btn', 'btn-small', 'btn-primary', 'resolve'], onClick: onSync }, t('actionResolveNow')));
  } else if (stateInfo.action === 'sync') {
    items.push(h('button', { type: 'button', class: ['btn', 'btn-small', 'btn-ghost'], onClick: onSync }, t('menuSyncNow')));
  }
  if (stateInfo.diagnose) {
    items.push(h('p', { class: 'state-detail' }, t('diagnoseExplain')),
      h('button', { type: 'button', class: ['btn', 'btn-small', 'btn-ghost', 'diagnose'], onClick: onDiagnose }, t('actionDiagnose')));
  }
  if (!stateInfo.progress) items.push(checkSummary(finishedJob(account.id), onReport));
  const nextRun = account.next_run_at ? formatDateTime(account.next_run_at)
    : (account.blocked ? t('nextRunBlocked') : t('never'));
  let nextShown = account.recipe && account.recipe.approval_needed ? t('nextRunBlocked') : nextRun;
  if (!account.enabled) nextShown = t('nextRunPaused'); // no sync while paused, whatever was planned
  container.replaceChildren(
    h('div', { class: 'account-state' }, items),
    h('dl', { class: 'facts' },
      fact(t('factLastSync'), account.last_sync_at ? formatDateTime(account.last_sync_at) : t('never')),
      fact(t('factCollected'), String(account.invoices_collected ?? 0)),
      fact(t('factSent'), String(account.invoices_sent ?? 0)),
      fact(t('factNextRun'), nextShown)));
}
