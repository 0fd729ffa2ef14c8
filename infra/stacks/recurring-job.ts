import type { Construct } from 'constructs';
import { RECURRING_JOB_ENTRY } from '../routes.js';
import { IndexedMailJob, type IndexedMailJobProps } from './indexed-mail-job.js';

/** The sparse index of active recurring schedules by next run date (the only thing the job reads in bulk). */
export const RECURRING_INDEX = 'gsi7';

export type RecurringJobProps = IndexedMailJobProps;

/**
 * The recurring invoice job: an EventBridge Scheduler schedule invokes it hourly. It reads the
 * sparse due index, and for each schedule due claims the period and creates the invoice in one
 * transaction (its number, guard, links and chain entry included), then sends it when the schedule
 * says so. The stream consumer renders the PDF and publishes the events. Two runs at once are safe.
 */
export class RecurringJob extends IndexedMailJob {
  constructor(scope: Construct, id: string, props: RecurringJobProps) {
    super(scope, id, props, {
      index: RECURRING_INDEX,
      entry: RECURRING_JOB_ENTRY,
      functionId: 'RecurringJob',
      description: 'Issues recurring invoices that are due (hourly)',
      scheduleDescription: 'Issues recurring invoices that are due',
      alarm: 'The recurring invoice job failed: some schedules were not run (the next hourly run retries them).',
      // An invoice born open takes a link of its account's audit chain.
      issuesDocuments: true,
    });
  }
}
