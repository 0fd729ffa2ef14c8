import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { sendDueReminders, type SendRemindersResult } from '../../domain/jobs/send-reminders.js';
import { scopedLog } from '../observability/logger.js';
import { systemClock, wireRemindersJob } from '../wiring.js';

/** The scheduler's input, as for the past-due job: only logged. */
export type RemindersJobEvent = { scheduledTime?: unknown; time?: unknown } | null | undefined;

export type RemindersJobCounts = Omit<SendRemindersResult, 'errors'>;

let deps: ReturnType<typeof wireRemindersJob> | undefined;

/**
 * Sends the payment reminders that are due (the hourly schedule in AWS; locally an interval and
 * `npm run job:reminders`). Logs the counts as one line and returns them. A run with unexpected
 * failures sends what it can, then fails the invocation so it shows in the function's errors;
 * running again is safe (each step is claimed once).
 */
export async function handler(
  event?: RemindersJobEvent,
  context?: Pick<Context, 'awsRequestId'>,
): Promise<RemindersJobCounts> {
  deps ??= wireRemindersJob();
  const log = scopedLog({ correlation_id: context?.awsRequestId ?? randomUUID() });
  const started = performance.now();
  const { errors, ...counts } = await sendDueReminders(deps, systemClock.now());
  const scheduled = event?.scheduledTime ?? event?.time;
  const line = {
    ...counts,
    durationMs: Math.round(performance.now() - started),
    ...(typeof scheduled === 'string' ? { scheduledTime: scheduled } : {}),
    ...(errors.length
      ? { errors: errors.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))) }
      : {}),
  };
  if (counts.failed) log.error('reminders job', line);
  else log.info('reminders job', line);
  if (counts.failed)
    throw new Error(`reminders job: ${counts.failed} invoice(s) could not be reminded; the next run retries them`);
  return counts;
}
