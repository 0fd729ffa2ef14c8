import { issueRecurringInvoices, type IssueRecurringResult } from '../../domain/jobs/issue-recurring.js';
import { crm } from '../crm-wiring.js';
import { mailer } from '../mail/mail-wiring.js';
import { documents } from '../s3/document-wiring.js';
import { app, recurringStore, systemClock } from '../wiring.js';
import { scheduledJob, type ScheduledJobEvent } from './scheduled-job.js';

export type RecurringJobEvent = ScheduledJobEvent;
export type RecurringJobCounts = Omit<IssueRecurringResult, 'errors'>;

/** Issues the recurring invoices that are due; each period is claimed once, so a rerun is safe. */
export const handler = scheduledJob({
  name: 'recurring job',
  // The schedules (and their due index), what a run reads to check and build the invoice, the
  // invoice store it issues through, and the mailer for schedules that send.
  wire: () => {
    const { config, deps } = app();
    return {
      ...deps,
      mailer: mailer(),
      publicBaseUrl: config.PUBLIC_BASE_URL,
      // The seller's logo goes into the emails of schedules that send.
      ...(config.BUCKET_NAME ? { logos: documents().logos } : {}),
      recurring: recurringStore(),
      products: crm().products,
    };
  },
  run: (deps) => issueRecurringInvoices(deps, systemClock.now()),
  failure: (n) => `${n} schedule(s) could not be run; the next run retries them`,
});
