import { DateTime } from 'luxon';
import { addDays } from '../dates/calendar.js';

/**
 * The date rules of recurring invoices: pure calendar arithmetic on `YYYY-MM-DD` dates (calendar
 * dates in the account's time zone). Both the job and `GET …/upcoming` take their dates from here,
 * so what a user is shown is what the job will do.
 */

export const INTERVALS = ['week', 'month', 'year'] as const;
export type Interval = (typeof INTERVALS)[number];

export type Recurrence = {
  interval: Interval;
  every: number;
  /** The anchor: the first run date, and the day of the month (or year) every later run returns to. */
  startDate: string;
  /** The last date a run may fall on (inclusive). */
  endDate: string | null;
  /** How many invoices the schedule issues in all. */
  count: number | null;
};

const UNIT = { week: 'weeks', month: 'months', year: 'years' } as const;

const day = (date: string) => DateTime.fromISO(date, { zone: 'UTC' });

/**
 * The n-th run date (0 is the start date). Always counted from the anchor, never from the run
 * before: adding months to the 31st lands on the last day of a shorter month (luxon clamps), and
 * since the next run is again anchor + months, it returns to the 31st after (Jan 31 → Feb 28 →
 * Mar 31). Counting from the previous run would drift to the 28th for good.
 */
export function runDate(r: Pick<Recurrence, 'interval' | 'every' | 'startDate'>, n: number): string {
  return day(r.startDate)
    .plus({ [UNIT[r.interval]]: n * r.every })
    .toISODate()!;
}

/** The first run index whose date is on or after `date`. */
export function firstRunOnOrAfter(r: Pick<Recurrence, 'interval' | 'every' | 'startDate'>, date: string): number {
  if (date <= r.startDate) return 0;
  // An estimate from the calendar distance, then corrected by a step or two (month ends clamp).
  const units = day(date).diff(day(r.startDate), UNIT[r.interval]).as(UNIT[r.interval]);
  let n = Math.max(0, Math.floor(units / r.every));
  while (n > 0 && runDate(r, n - 1) >= date) n--;
  while (runDate(r, n) < date) n++;
  return n;
}

/** Whether run n is within the schedule's end date (the count is judged against what was issued). */
export const withinEnd = (r: Recurrence, n: number) => r.endDate === null || runDate(r, n) <= r.endDate;

/** Where a schedule stands between runs: the run it waits for and how many invoices it issued. */
export type RunState = { nextRunIndex: number; issuedCount: number };

/** Run dates a schedule keeps as skipped, the latest ones (a long outage does not grow the item without bound). */
export const MAX_SKIPPED_KEPT = 24;

/**
 * What a run of the job on `today` (in the account's zone) does with a schedule waiting for run
 * `nextRunIndex`:
 * - `wait`: that run's date has not come;
 * - `issue`: issue run `index`, the latest run date that has come (the current period). Runs
 *   between the awaited one and it were missed (the job was down): they are `skipped`, not issued
 *   in a burst. `next` is the run after, or null when the schedule is over after this one;
 * - `end`: the runs that came are all past the end date (or the count was reached): nothing to issue.
 */
export type RunPlan =
  | { kind: 'wait' }
  | { kind: 'issue'; index: number; runOn: string; skipped: string[]; next: { index: number; runOn: string } | null }
  | { kind: 'end'; skipped: string[] };

export function planRun(r: Recurrence, state: RunState, today: string): RunPlan {
  const awaited = state.nextRunIndex;
  if (r.count !== null && state.issuedCount >= r.count) return { kind: 'end', skipped: [] };
  if (runDate(r, awaited) > today) return { kind: 'wait' };
  // The latest run on or before today: the one before the first after today.
  const current = Math.max(awaited, firstRunOnOrAfter(r, addDays(today, 1)) - 1);
  const skippedIndexes: number[] = [];
  for (let n = Math.max(awaited, current - MAX_SKIPPED_KEPT); n < current; n++)
    if (withinEnd(r, n)) skippedIndexes.push(n);
  const skipped = skippedIndexes.map((n) => runDate(r, n));
  if (!withinEnd(r, current)) return { kind: 'end', skipped };
  const issued = state.issuedCount + 1;
  const more = (r.count === null || issued < r.count) && withinEnd(r, current + 1);
  return {
    kind: 'issue',
    index: current,
    runOn: runDate(r, current),
    skipped,
    next: more ? { index: current + 1, runOn: runDate(r, current + 1) } : null,
  };
}

/**
 * The next `limit` run dates from run `fromIndex`, as the job will issue them if it runs every
 * period: within the end date and the invoices the count still allows.
 */
export function upcomingRuns(r: Recurrence, state: RunState, limit: number): string[] {
  const left = r.count === null ? limit : Math.max(0, Math.min(limit, r.count - state.issuedCount));
  const out: string[] = [];
  for (let n = state.nextRunIndex; out.length < left && withinEnd(r, n); n++) out.push(runDate(r, n));
  return out;
}

/**
 * The run a schedule waits for when it starts (or resumes, or its dates change) on `today`: the
 * first run on or after today and after the last run issued. Earlier run dates are not issued:
 * a schedule never bills for periods before it was (re)started.
 */
export function firstRunFrom(r: Recurrence, today: string, lastRunOn: string | null): number {
  const from = lastRunOn !== null && lastRunOn >= today ? addDays(lastRunOn, 1) : today;
  return firstRunOnOrAfter(r, from);
}
