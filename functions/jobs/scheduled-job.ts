import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { scopedLog } from '../observability/logger.js';

/**
 * What EventBridge Scheduler delivers is the schedule's configured input; a job needs none of it.
 * If the input carries the scheduled time (`<aws.scheduler.scheduled-time>`), or the event is an
 * EventBridge rule's (`time`), it is logged beside the counts.
 */
export type ScheduledJobEvent = { scheduledTime?: unknown; time?: unknown } | null | undefined;

/** What a job's run returns: its counts, of which `failed`, and the errors behind them. */
export type JobResult = { failed: number; errors: unknown[] };

/**
 * A scheduled job's Lambda handler (the hourly schedule in AWS; locally an interval and
 * `npm run job:<name>`): wires its dependencies once per process, runs, logs the counts as one line
 * (its correlation id the invocation's request id) and returns them. A run with failures does what
 * it can, logs at error level, then fails the invocation so it shows in the function's errors;
 * every job is safe to run again, which is how the next run retries.
 */
export function scheduledJob<D, R extends JobResult>(job: {
  name: string;
  wire: () => D;
  run: (deps: D) => Promise<R>;
  /** The invocation's error message for `failed` items, saying what the next run retries. */
  failure: (failed: number) => string;
}) {
  let deps: D | undefined;
  return async (event?: ScheduledJobEvent, context?: Pick<Context, 'awsRequestId'>): Promise<Omit<R, 'errors'>> => {
    deps ??= job.wire();
    const log = scopedLog({ correlation_id: context?.awsRequestId ?? randomUUID() });
    const started = performance.now();
    const { errors, ...counts } = await job.run(deps);
    const scheduled = event?.scheduledTime ?? event?.time;
    const line = {
      ...counts,
      durationMs: Math.round(performance.now() - started),
      ...(typeof scheduled === 'string' ? { scheduledTime: scheduled } : {}),
      ...(errors.length
        ? { errors: errors.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))) }
        : {}),
    };
    if (counts.failed) log.error(job.name, line);
    else log.info(job.name, line);
    if (counts.failed) throw new Error(`${job.name}: ${job.failure(counts.failed)}`);
    return counts;
  };
}
