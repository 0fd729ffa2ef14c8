import { flagPastDueInvoices, type FlagPastDueResult } from '../../domain/jobs/flag-past-due.js';
import { wireOverdueJob } from '../wiring.js';

/**
 * What EventBridge Scheduler delivers is the schedule's configured input; the job needs none of it.
 * If the input carries the scheduled time (`<aws.scheduler.scheduled-time>`), or the event is an
 * EventBridge rule's (`time`), it is logged beside the counts.
 */
export type OverdueJobEvent = { scheduledTime?: unknown; time?: unknown } | null | undefined;

export type OverdueJobCounts = Omit<FlagPastDueResult, 'errors'>;

let deps: ReturnType<typeof wireOverdueJob> | undefined;

/**
 * Flags past-due invoices (the hourly schedule in AWS; locally an interval and `npm run job:overdue`).
 * Logs the counts as one JSON line and returns them. A run with failures still flags what it can,
 * then fails the invocation so it shows in the function's errors; running again is safe.
 */
export async function handler(event?: OverdueJobEvent): Promise<OverdueJobCounts> {
  deps ??= wireOverdueJob();
  const started = performance.now();
  const { errors, ...counts } = await flagPastDueInvoices(deps, deps.clock.now());
  const scheduled = event?.scheduledTime ?? event?.time;
  console.log(
    JSON.stringify({
      level: counts.failed ? 'ERROR' : 'INFO',
      message: 'past-due job',
      ...counts,
      durationMs: Math.round(performance.now() - started),
      ...(typeof scheduled === 'string' ? { scheduledTime: scheduled } : {}),
      ...(errors.length ? { errors: errors.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))) } : {}),
    }),
  );
  if (counts.failed) throw new Error(`past-due job: ${counts.failed} invoice(s) could not be checked or flagged; the next run retries them`);
  return counts;
}
