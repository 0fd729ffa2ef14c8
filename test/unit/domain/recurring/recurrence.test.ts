import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, test } from 'vitest';
import { addDays, todayIn } from '../../../../domain/dates/calendar.js';
import {
  firstRunFrom,
  firstRunOnOrAfter,
  planRun,
  runDate,
  upcomingRuns,
  type Recurrence,
} from '../../../../domain/recurring/recurrence.js';

/** Zones with DST changes both ways, half-hour and 45-minute offsets, and the date line. */
const ZONES = [
  'America/New_York',
  'Europe/Amsterdam',
  'Australia/Sydney',
  'America/Santiago',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Pacific/Kiritimati',
  'Pacific/Pago_Pago',
  'Pacific/Chatham',
  'UTC',
];

const iso = (d: DateTime) => d.toISODate()!;
const utc = (date: string) => DateTime.fromISO(date, { zone: 'UTC' });

/** Anchors anywhere in 1990–2080, with month ends (the 28th–31st) much more often than chance. */
const anchor = fc.oneof(
  fc
    .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2080-12-31T00:00:00Z'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
  fc
    .record({ year: fc.integer({ min: 1990, max: 2080 }), month: fc.integer({ min: 1, max: 12 }), back: fc.nat(3) })
    .map(({ year, month, back }) => iso(DateTime.utc(year, month, 1).endOf('month').minus({ days: back }))),
);

const rule = fc.record({
  interval: fc.constantFrom('week' as const, 'month' as const, 'year' as const),
  every: fc.integer({ min: 1, max: 12 }),
  startDate: anchor,
});

const periodOf = (r: Pick<Recurrence, 'interval'>, date: string) => {
  const d = utc(date);
  // Weeks are counted from the anchor's weekday: a period is the 7 days from a run date.
  return r.interval === 'year'
    ? d.year
    : r.interval === 'month'
      ? d.year * 12 + d.month
      : Math.floor(d.toSeconds() / 86_400 / 7);
};

describe('run dates', () => {
  test('are strictly increasing, one per period, exactly `every` periods apart', () => {
    fc.assert(
      fc.property(rule, fc.integer({ min: 0, max: 300 }), (r, n) => {
        const a = runDate(r, n);
        const b = runDate(r, n + 1);
        expect(b > a).toBe(true);
        if (r.interval === 'week') expect(utc(b).diff(utc(a), 'days').days).toBe(7 * r.every);
        else {
          const unit = r.interval === 'month' ? 1 : 12;
          const months = (d: string) => utc(d).year * 12 + utc(d).month;
          // Never two in one period: consecutive runs fall `every` months (or years) apart.
          expect(months(b) - months(a)).toBe(unit * r.every);
          expect(periodOf(r, b) - periodOf(r, a)).toBe(r.every);
        }
      }),
    );
  });

  test('month-end rule: the anchor day, or the last day of a month too short for it, and back after', () => {
    fc.assert(
      fc.property(
        rule.filter((r) => r.interval !== 'week'),
        fc.integer({ min: 0, max: 300 }),
        (r, n) => {
          const d = utc(runDate(r, n));
          const anchorDay = utc(r.startDate).day;
          expect(d.day).toBe(Math.min(anchorDay, d.daysInMonth!));
          if (r.interval === 'year') expect(d.month).toBe(utc(r.startDate).month);
        },
      ),
    );
  });

  test('Jan 31 → Feb 28 → Mar 31 → Apr 30; Feb 29 in leap years only', () => {
    const r = { interval: 'month' as const, every: 1, startDate: '2026-01-31' };
    expect([0, 1, 2, 3].map((n) => runDate(r, n))).toEqual(['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30']);
    expect(runDate({ ...r, startDate: '2028-01-31' }, 1)).toBe('2028-02-29');
    const leap = { interval: 'year' as const, every: 1, startDate: '2024-02-29' };
    expect([0, 1, 4].map((n) => runDate(leap, n))).toEqual(['2024-02-29', '2025-02-28', '2028-02-29']);
  });

  test('firstRunOnOrAfter finds the first run on or after any date', () => {
    fc.assert(
      fc.property(rule, fc.integer({ min: -400, max: 8000 }), (r, offset) => {
        const date = addDays(r.startDate, offset);
        const n = firstRunOnOrAfter(r, date);
        expect(runDate(r, n) >= date).toBe(true);
        if (n > 0) expect(runDate(r, n - 1) < date).toBe(true);
      }),
    );
  });
});

describe('end date and count', () => {
  test('upcoming stops at the end date and at the count, and shows the dates the job issues', () => {
    fc.assert(
      fc.property(
        rule,
        fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null }),
        fc.option(fc.integer({ min: 1, max: 30 }), { nil: null }),
        (r, endOffset, count) => {
          const full: Recurrence = {
            ...r,
            endDate: endOffset === null ? null : addDays(r.startDate, endOffset),
            count,
          };
          const dates = upcomingRuns(full, { nextRunIndex: 0, issuedCount: 0 }, 40);
          for (const d of dates) if (full.endDate) expect(d <= full.endDate).toBe(true);
          if (count !== null) expect(dates.length).toBeLessThanOrEqual(count);
          expect(dates).toEqual(dates.map((_, i) => runDate(full, i)));
          // Run on each of those dates, the job issues exactly them, and ends after the last.
          let state = { nextRunIndex: 0, issuedCount: 0 };
          const issued: string[] = [];
          for (const d of dates) {
            const plan = planRun(full, state, d);
            expect(plan.kind).toBe('issue');
            if (plan.kind !== 'issue') return;
            issued.push(plan.runOn);
            state = { nextRunIndex: plan.index + 1, issuedCount: state.issuedCount + 1 };
            if (issued.length === dates.length && dates.length < 40) expect(plan.next).toBeNull();
          }
          expect(issued).toEqual(dates);
        },
      ),
    );
  });
});

describe('the job over hourly ticks in the account zone (DST included)', () => {
  test('issues each run date once, in order, on that date in the zone; after an outage only the current period', () => {
    fc.assert(
      fc.property(
        rule.filter((r) => r.interval !== 'year'),
        fc.constantFrom(...ZONES),
        fc.integer({ min: 0, max: 23 }),
        fc.option(
          fc.record({ from: fc.integer({ min: 0, max: 2000 }), hours: fc.integer({ min: 24, max: 24 * 120 }) }),
          {
            nil: null,
          },
        ),
        (r0, zone, startHour, outage) => {
          // Start near the anchor: ticks every hour for ~100 days (DST changes in most zones within it).
          const r: Recurrence = { ...r0, every: Math.min(r0.every, 3), endDate: null, count: null };
          const start = DateTime.fromISO(`${r.startDate}T00:00`, { zone })
            .minus({ days: 2 })
            .plus({ hours: startHour });
          const today0 = todayIn(zone, start.toJSDate());
          let state = { nextRunIndex: firstRunFrom(r, today0, null), issuedCount: 0 };
          const issued: { runOn: string; on: string }[] = [];
          const skipped: string[] = [];
          const hours = 24 * 100;
          for (let h = 0; h < hours; h++) {
            if (outage && h >= outage.from && h < outage.from + outage.hours) continue;
            const now = start.plus({ hours: h }).toJSDate();
            const today = todayIn(zone, now);
            const plan = planRun(r, state, today);
            if (plan.kind !== 'issue') continue;
            issued.push({ runOn: plan.runOn, on: today });
            skipped.push(...plan.skipped);
            state = { nextRunIndex: plan.index + 1, issuedCount: state.issuedCount + 1 };
          }
          const runOns = issued.map((i) => i.runOn);
          // Strictly increasing, so never one period twice.
          for (let i = 1; i < runOns.length; i++) expect(runOns[i]! > runOns[i - 1]!).toBe(true);
          expect(new Set(runOns.map((d) => periodOf(r, d))).size).toBe(runOns.length);
          // Every run date issued or listed as skipped, none both; never issued before its date.
          for (const i of issued) expect(i.on >= i.runOn).toBe(true);
          for (const d of skipped) expect(runOns).not.toContain(d);
          if (!outage) {
            // No outage: each issued on its own date, none skipped.
            for (const i of issued) expect(i.on).toBe(i.runOn);
            expect(skipped).toEqual([]);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  test('the day turns at midnight in the zone, not in UTC', () => {
    const r: Recurrence = { interval: 'month', every: 1, startDate: '2026-03-08', endDate: null, count: null };
    const state = { nextRunIndex: 0, issuedCount: 0 };
    // 2026-03-08 is the day New York moves to DST; 04:30Z is still the 7th there (23:30 EST).
    expect(planRun(r, state, todayIn('America/New_York', new Date('2026-03-08T04:30:00Z'))).kind).toBe('wait');
    expect(planRun(r, state, todayIn('America/New_York', new Date('2026-03-08T05:30:00Z'))).kind).toBe('issue');
    expect(planRun(r, state, todayIn('Pacific/Kiritimati', new Date('2026-03-07T10:30:00Z'))).kind).toBe('issue');
  });

  test('missed periods: the current one is issued, the ones between are skipped (the latest 24 kept)', () => {
    const r: Recurrence = { interval: 'week', every: 1, startDate: '2026-01-05', endDate: null, count: null };
    const plan = planRun(r, { nextRunIndex: 0, issuedCount: 0 }, '2026-01-27');
    expect(plan).toEqual({
      kind: 'issue',
      index: 3,
      runOn: '2026-01-26',
      skipped: ['2026-01-05', '2026-01-12', '2026-01-19'],
      next: { index: 4, runOn: '2026-02-02' },
    });
    const long = planRun(r, { nextRunIndex: 0, issuedCount: 0 }, '2027-06-01');
    expect(long.kind === 'issue' && long.skipped.length).toBe(24);
  });

  test('a schedule past its end ends without issuing; the count ends it after the last invoice', () => {
    const r: Recurrence = { interval: 'month', every: 1, startDate: '2026-01-15', endDate: '2026-03-20', count: null };
    expect(planRun(r, { nextRunIndex: 1, issuedCount: 1 }, '2026-05-01')).toEqual({
      kind: 'end',
      skipped: ['2026-02-15', '2026-03-15'],
    });
    const counted: Recurrence = { ...r, endDate: null, count: 2 };
    const last = planRun(counted, { nextRunIndex: 1, issuedCount: 1 }, '2026-02-15');
    expect(last).toMatchObject({ kind: 'issue', runOn: '2026-02-15', next: null });
    expect(planRun(counted, { nextRunIndex: 2, issuedCount: 2 }, '2026-03-15')).toEqual({ kind: 'end', skipped: [] });
  });
});
