import type { Construct } from 'constructs';
import { REMINDERS_JOB_ENTRY } from '../routes.js';
import { IndexedMailJob, type IndexedMailJobProps } from './indexed-mail-job.js';

/** The sparse index of open invoices by the date of their next reminder step (the only thing the job reads in bulk). */
export const REMINDER_INDEX = 'gsi8';

export type RemindersJobProps = IndexedMailJobProps;

/**
 * The payment reminders job: an EventBridge Scheduler schedule invokes it hourly. It reads the
 * sparse reminders index, claims each due step in one transaction with the reminder item and the
 * history entry, then emails the invoice's contacts. The stream consumer publishes
 * `invoice.reminderSent` from the reminder item. Two runs at once send each step once.
 */
export class RemindersJob extends IndexedMailJob {
  constructor(scope: Construct, id: string, props: RemindersJobProps) {
    super(scope, id, props, {
      index: REMINDER_INDEX,
      entry: REMINDERS_JOB_ENTRY,
      functionId: 'RemindersJob',
      description: 'Sends the payment reminders that are due (hourly)',
      scheduleDescription: 'Sends the payment reminders that are due',
      alarm: 'The payment reminders job failed: some reminders were not sent (the next hourly run retries them).',
      issuesDocuments: false,
    });
  }
}
