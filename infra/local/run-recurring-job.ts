/**
 * `npm run job:recurring`: runs the recurring invoice job once, now, against the running local
 * service's data. Emails of schedules that send go to the service's outbox folder, as from `npm start`.
 */
import { localFiles } from './local-files.js';
import { runLocalJob } from './run-local-job.js';

runLocalJob({
  env: (config) => ({ OUTBOX_DIR: localFiles(config.DATA_DIR).outbox }),
  handler: () => import('../../functions/jobs/recurring.handler.js'),
  report: (table, c, ms) =>
    `Recurring job on ${table}: read ${c.itemsRead} index item(s), issued ${c.issued}, ` +
    `skipped ${c.skipped} (not yet due in their account's zone, or claimed meanwhile), blocked ${c.blocked} ` +
    `(see lastError), ended ${c.ended}, send failures ${c.sendFailed}, ${c.accounts} account(s), ${ms} ms`,
});
