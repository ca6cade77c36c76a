// What needs the user now, read from the server's own answers: an account whose sync stopped
// until they act (a refused password, a captcha, new terms to accept…), a one-time code asked
// right now, a site waiting for them in the window a sync opened, delivery to Libeo paused. The
// service worker turns these into the toolbar badge and one notification per event; a key names
// the event, so the same one is never notified twice.

import { localized, t } from './i18n.js';

/** [{key, accountId, title, message}] for the accounts and Libeo settings given by the API. */
export function attentionItems(accounts, libeo) {
  const items = [];
  for (const account of accounts) {
    if (account.state === 'waiting_for_code' && account.job) {
      items.push({ key: `code:${account.job.id}`, accountId: account.id,
                   title: account.provider_name, message: t('attentionCode') });
    } else if (account.state === 'waiting_for_user' && account.job && account.job.prompt) {
      const prompt = account.job.prompt;
      items.push({ key: `hand_over:${account.job.id}`, accountId: account.id, title: account.provider_name,
                   message: t('attentionHandOver', localized(prompt, 'text')) });
    } else if (account.blocked) {
      items.push({ key: `blocked:${account.id}:${account.last_sync_at}`, accountId: account.id,
                   title: account.provider_name, message: localized(account.last_outcome, 'message') });
    }
  }
  if (libeo && libeo.paused_reason) {
    items.push({ key: `libeo:${libeo.paused_reason}`, accountId: null,
                 title: t('attentionLibeoTitle'), message: libeo.paused_reason });
  }
  return items;
}
