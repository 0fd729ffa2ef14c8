import { handler } from '../../functions/jobs/overdue.handler.js';

export type OverdueSchedule = {
  /** Runs the job now (waiting for a run in progress first), as `npm run job:overdue` does. */
  runNow: () => Promise<void>;
  /** Stops the interval and waits for a run in progress. */
  stop: () => Promise<void>;
};

/**
 * The local stand-in for an EventBridge Scheduler schedule (the recurring invoice job uses it too,
 * with its own `run`): runs the past-due job every
 * `intervalMs`, first at start unless `runAtStart` is false. By default a run invokes the job's
 * Lambda handler with a Scheduler-like input, so the environment (TABLE_NAME, DYNAMODB_ENDPOINT,
 * PUBLIC_BASE_URL) must be set before the first run, as for every handler. Runs never overlap
 * here: a tick that finds the previous run still going is skipped (overlapping runs would be safe,
 * only wasteful). A failed run is reported to `onError` and the schedule carries on.
 */
export function startOverdueSchedule(opts: {
  intervalMs: number;
  run?: () => Promise<unknown>;
  runAtStart?: boolean;
  onError?: (error: unknown) => void;
}): OverdueSchedule {
  const run = opts.run ?? (() => handler({ scheduledTime: new Date().toISOString() }));
  const onError =
    opts.onError ??
    ((e: unknown) => console.error(`past-due job failed: ${e instanceof Error ? e.message : String(e)}`));
  let running: Promise<void> | null = null;
  let stopped = false;

  const once = () => {
    running ??= run()
      .then(
        () => undefined,
        (e: unknown) => onError(e),
      )
      .finally(() => {
        running = null;
      });
    return running;
  };
  const tick = () => {
    if (!stopped && !running) void once();
  };

  const timer = setInterval(tick, opts.intervalMs);
  timer.unref(); // the schedule alone does not keep the process alive
  if (opts.runAtStart ?? true) tick();

  return {
    runNow: async () => {
      if (running) await running;
      await once();
    },
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      if (running) await running;
    },
  };
}
