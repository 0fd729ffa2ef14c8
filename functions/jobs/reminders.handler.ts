import { sendDueReminders, type SendRemindersResult } from '../../domain/jobs/send-reminders.js';
import { mailer } from '../mail/mail-wiring.js';
import { documents } from '../s3/document-wiring.js';
import { app, reminderStore, systemClock } from '../wiring.js';
import { scheduledJob, type ScheduledJobEvent } from './scheduled-job.js';

export type RemindersJobEvent = ScheduledJobEvent;
export type RemindersJobCounts = Omit<SendRemindersResult, 'errors'>;

/** Sends the payment reminders that are due; each step is claimed once, so a rerun is safe. */
export const handler = scheduledJob({
  name: 'reminders job',
  // The reminders index and claims, the invoices and contacts it reads, the mailer.
  wire: () => {
    const { config, deps } = app();
    return {
      ...deps,
      mailer: mailer(),
      publicBaseUrl: config.PUBLIC_BASE_URL,
      reminders: reminderStore(),
      // The seller's logo goes into the emails: read from the bucket where a logo was uploaded.
      ...(config.BUCKET_NAME ? { logos: documents().logos } : {}),
    };
  },
  run: (deps) => sendDueReminders(deps, systemClock.now()),
  failure: (n) => `${n} invoice(s) could not be reminded; the next run retries them`,
});
