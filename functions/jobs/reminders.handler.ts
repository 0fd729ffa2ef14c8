import { sendDueReminders, type SendRemindersResult } from '../../domain/jobs/send-reminders.js';
import { systemClock, wireRemindersJob } from '../wiring.js';
import { scheduledJob, type ScheduledJobEvent } from './scheduled-job.js';

export type RemindersJobEvent = ScheduledJobEvent;
export type RemindersJobCounts = Omit<SendRemindersResult, 'errors'>;

/** Sends the payment reminders that are due; each step is claimed once, so a rerun is safe. */
export const handler = scheduledJob({
  name: 'reminders job',
  wire: wireRemindersJob,
  run: (deps) => sendDueReminders(deps, systemClock.now()),
  failure: (n) => `${n} invoice(s) could not be reminded; the next run retries them`,
});
