import { flagPastDueInvoices, type FlagPastDueResult } from '../../domain/jobs/flag-past-due.js';
import { wireOverdueJob } from '../wiring.js';
import { scheduledJob, type ScheduledJobEvent } from './scheduled-job.js';

export type OverdueJobEvent = ScheduledJobEvent;
export type OverdueJobCounts = Omit<FlagPastDueResult, 'errors'>;

/** Flags past-due invoices. */
export const handler = scheduledJob({
  name: 'past-due job',
  wire: wireOverdueJob,
  run: (deps) => flagPastDueInvoices(deps, deps.clock.now()),
  failure: (n) => `${n} invoice(s) could not be checked or flagged; the next run retries them`,
});
