import { issueRecurringInvoices, type IssueRecurringResult } from '../../domain/jobs/issue-recurring.js';
import { systemClock, wireRecurringJob } from '../wiring.js';
import { scheduledJob, type ScheduledJobEvent } from './scheduled-job.js';

export type RecurringJobEvent = ScheduledJobEvent;
export type RecurringJobCounts = Omit<IssueRecurringResult, 'errors'>;

/** Issues the recurring invoices that are due; each period is claimed once, so a rerun is safe. */
export const handler = scheduledJob({
  name: 'recurring job',
  wire: wireRecurringJob,
  run: (deps) => issueRecurringInvoices(deps, systemClock.now()),
  failure: (n) => `${n} schedule(s) could not be run; the next run retries them`,
});
