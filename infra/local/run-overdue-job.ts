/** `npm run job:overdue`: runs the past-due job once, now, against the running local service's data. */
import { runLocalJob } from './run-local-job.js';

runLocalJob({
  handler: () => import('../../functions/jobs/overdue.handler.js'),
  report: (table, c, ms) =>
    `Past-due job on ${table}: read ${c.itemsRead} index item(s), flagged ${c.flagged}, ` +
    `skipped ${c.skipped} (not yet due in their account's zone, or changed meanwhile), ${c.accounts} account(s), ` +
    `${ms} ms`,
});
