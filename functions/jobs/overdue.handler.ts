import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { flagPastDueInvoices, type FlagPastDueResult } from '../../domain/jobs/flag-past-due.js';
import { scopedLog } from '../observability/logger.js';
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
 * Logs the counts as one line (its correlation id the invocation's request id) and returns them.
 * A run with failures still flags what it can, logs at error level, then fails the invocation so
 * it shows in the function's errors; running again is safe.
 */
export async function handler(
  event?: OverdueJobEvent,
  context?: Pick<Context, 'awsRequestId'>,
): Promise<OverdueJobCounts> {
  deps ??= wireOverdueJob();
  const log = scopedLog({ correlation_id: context?.awsRequestId ?? randomUUID() });
  const started = performance.now();
  const { errors, ...counts } = await flagPastDueInvoices(deps, deps.clock.now());
  const scheduled = event?.scheduledTime ?? event?.time;
  const line = {
    ...counts,
    durationMs: Math.round(performance.now() - started),
    ...(typeof scheduled === 'string' ? { scheduledTime: scheduled } : {}),
    ...(errors.length
      ? { errors: errors.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))) }
      : {}),
  };
  if (counts.failed) log.error('past-due job', line);
  else log.info('past-due job', line);
  if (counts.failed)
    throw new Error(
      `past-due job: ${counts.failed} invoice(s) could not be checked or flagged; the next run retries them`,
    );
  return counts;
}
