import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { issueRecurringInvoices, type IssueRecurringResult } from '../../domain/jobs/issue-recurring.js';
import { scopedLog } from '../observability/logger.js';
import { systemClock, wireRecurringJob } from '../wiring.js';

/** The scheduler's input, as for the past-due job: only logged. */
export type RecurringJobEvent = { scheduledTime?: unknown; time?: unknown } | null | undefined;

export type RecurringJobCounts = Omit<IssueRecurringResult, 'errors'>;

let deps: ReturnType<typeof wireRecurringJob> | undefined;

/**
 * Issues the recurring invoices that are due (the hourly schedule in AWS; locally an interval and
 * `npm run job:recurring`). Logs the counts as one line and returns them. A run with unexpected
 * failures issues what it can, then fails the invocation so it shows in the function's errors;
 * running again is safe (each period is claimed once).
 */
export async function handler(
  event?: RecurringJobEvent,
  context?: Pick<Context, 'awsRequestId'>,
): Promise<RecurringJobCounts> {
  deps ??= wireRecurringJob();
  const log = scopedLog({ correlation_id: context?.awsRequestId ?? randomUUID() });
  const started = performance.now();
  const { errors, ...counts } = await issueRecurringInvoices(deps, systemClock.now());
  const scheduled = event?.scheduledTime ?? event?.time;
  const line = {
    ...counts,
    durationMs: Math.round(performance.now() - started),
    ...(typeof scheduled === 'string' ? { scheduledTime: scheduled } : {}),
    ...(errors.length
      ? { errors: errors.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))) }
      : {}),
  };
  if (counts.failed) log.error('recurring job', line);
  else log.info('recurring job', line);
  if (counts.failed)
    throw new Error(`recurring job: ${counts.failed} schedule(s) could not be run; the next run retries them`);
  return counts;
}
