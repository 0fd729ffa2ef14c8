/**
 * `npm run job:reminders`: runs the payment reminders job once, now, against the running local
 * service's data. The reminders go to the service's outbox folder, as from `npm start`.
 */
import { localFiles } from './local-files.js';
import { runLocalJob } from './run-local-job.js';

runLocalJob({
  env: (config) => ({ OUTBOX_DIR: localFiles(config.DATA_DIR).outbox }),
  handler: () => import('../../functions/jobs/reminders.handler.js'),
  report: (table, c, ms) =>
    `Reminders job on ${table}: read ${c.itemsRead} index item(s), sent ${c.sent}, ` +
    `no recipient ${c.noRecipient}, skipped ${c.skipped} (not yet due in their account's zone, or claimed meanwhile), ` +
    `re-keyed ${c.rekeyed}, ${c.accounts} account(s), ${ms} ms`,
});
