import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  addDays,
  daysBetween,
  isCalendarDate,
  isTimeZone,
  startOfDayInstant,
  toInstant,
  todayIn,
} from '../../../../domain/dates/calendar.js';

const NY = 'America/New_York';
const DAY_MS = 86_400_000;

/** Intl (ICU) as an oracle independent of luxon: the local date and seconds-of-day of an instant in a zone. */
function localParts(zone: string, ms: number): { date: string; seconds: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    seconds: Number(get('hour')) * 3600 + Number(get('minute')) * 60 + Number(get('second')),
  };
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** Calendar dates from 2000 to 2040, as days since the epoch. */
const epochDay = fc.integer({ min: 10_957, max: 25_567 });

/** US DST changes since 2007: the second Sunday of March and the first Sunday of November, as epoch days. */
const dstChangeDays = Array.from({ length: 34 }, (_, i) => 2007 + i).flatMap((year) => {
  const nthSunday = (month: number, n: number) => {
    const first = Date.UTC(year, month, 1) / DAY_MS;
    const dow = new Date(first * DAY_MS).getUTCDay();
    return first + ((7 - dow) % 7) + 7 * (n - 1);
  };
  return [nthSunday(2, 2), nthSunday(10, 1)];
});

describe('todayIn', () => {
  test.each([
    ['any date', epochDay],
    [
      'DST change days and their neighbours',
      fc.constantFrom(...dstChangeDays).chain((d) => fc.integer({ min: d - 1, max: d + 1 })),
    ],
  ])('any New York wall-clock time from 00:00:00 to 23:59:59 is that date: %s', (_what, days) => {
    fc.assert(
      fc.property(days, fc.integer({ min: 0, max: 86_399 }), (day, seconds) => {
        const date = isoDate(day * DAY_MS);
        // New York is UTC−5 (EST) or UTC−4 (EDT); keep the candidate instants that really are that wall-clock time.
        const instants = [4, 5]
          .map((hours) => day * DAY_MS + seconds * 1000 + hours * 3_600_000)
          .filter((ms) => {
            const local = localParts(NY, ms);
            return local.date === date && local.seconds === seconds;
          });
        // Only the hour skipped in spring (02:00–02:59 on the second Sunday of March) has none.
        fc.pre(instants.length > 0);
        for (const ms of instants) expect(todayIn(NY, new Date(ms))).toBe(date);
      }),
      { numRuns: 500 },
    );
  });

  test('the DST change days above really are New York’s (the offset differs the day before and after)', () => {
    const offsetAtNoonUtc = (day: number) => localParts(NY, day * DAY_MS + 12 * 3_600_000).seconds;
    for (const d of dstChangeDays) expect(offsetAtNoonUtc(d - 1)).not.toBe(offsetAtNoonUtc(d + 1));
  });

  test('agrees with Intl for any instant and zone, including half-hour and date-line zones', () => {
    const zones = [
      'America/New_York',
      'America/Los_Angeles',
      'Europe/Amsterdam',
      'Asia/Kolkata',
      'Australia/Lord_Howe',
      'Pacific/Auckland',
      'Pacific/Kiritimati',
      'Pacific/Pago_Pago',
      'UTC',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 946_684_800_000, max: 2_208_988_800_000 }),
        fc.constantFrom(...zones),
        (ms, zone) => {
          expect(todayIn(zone, new Date(ms))).toBe(localParts(zone, ms).date);
        },
      ),
      { numRuns: 500 },
    );
  });

  test.each([
    ['2026-11-28T04:30:00Z', '2026-11-27', '23:30 EST on the 27th is still the 27th though UTC says the 28th'],
    ['2026-11-28T03:30:00Z', '2026-11-27', '22:30 EST'],
    ['2026-11-28T05:00:00Z', '2026-11-28', 'midnight EST starts the 28th'],
    ['2026-11-28T04:59:59Z', '2026-11-27', 'one second before midnight EST'],
    ['2026-07-04T03:59:59Z', '2026-07-03', '23:59:59 EDT'],
    ['2026-07-04T04:00:00Z', '2026-07-04', 'midnight EDT'],
    ['2026-03-08T05:00:00Z', '2026-03-08', 'midnight EST on the spring-forward day'],
    ['2026-03-09T03:59:59Z', '2026-03-08', '23:59:59 EDT on the spring-forward day'],
    ['2026-11-01T04:00:00Z', '2026-11-01', 'midnight EDT on the fall-back day'],
    ['2026-11-02T04:59:59Z', '2026-11-01', '23:59:59 EST on the fall-back day (a 25-hour day)'],
  ])('%s in New York is %s (%s)', (instant, date) => {
    expect(todayIn(NY, new Date(instant))).toBe(date);
  });
});

describe('calendar arithmetic', () => {
  test('addDays and daysBetween are inverse, and match UTC day arithmetic', () => {
    fc.assert(
      fc.property(epochDay, fc.integer({ min: -1000, max: 1000 }), (day, n) => {
        const from = isoDate(day * DAY_MS);
        const to = addDays(from, n);
        expect(to).toBe(isoDate((day + n) * DAY_MS));
        expect(daysBetween(from, to)).toBe(n);
      }),
    );
  });

  test('addDays crosses month ends and leap days', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  test('startOfDayInstant is local midnight in UTC', () => {
    expect(startOfDayInstant('2026-11-20', NY)).toBe('2026-11-20T05:00:00Z');
    expect(startOfDayInstant('2026-07-04', NY)).toBe('2026-07-04T04:00:00Z');
    expect(startOfDayInstant('2026-11-20', 'Asia/Kolkata')).toBe('2026-11-19T18:30:00Z');
    expect(startOfDayInstant('2026-11-20', 'UTC')).toBe('2026-11-20T00:00:00Z');
  });

  test('startOfDayInstant is the first instant todayIn calls that date', () => {
    fc.assert(
      fc.property(
        epochDay,
        fc.constantFrom(NY, 'Europe/Amsterdam', 'Asia/Kolkata', 'Pacific/Auckland'),
        (day, zone) => {
          const date = isoDate(day * DAY_MS);
          const start = new Date(startOfDayInstant(date, zone));
          expect(todayIn(zone, start)).toBe(date);
          expect(todayIn(zone, new Date(start.getTime() - 1000))).toBe(addDays(date, -1));
        },
      ),
    );
  });

  test('toInstant drops milliseconds and keeps Z', () => {
    expect(toInstant(new Date('2026-11-27T10:15:00.123Z'))).toBe('2026-11-27T10:15:00Z');
  });

  test.each(['2026-11-27', '2028-02-29', '2000-01-01'])('%s is a calendar date', (d) =>
    expect(isCalendarDate(d)).toBe(true),
  );
  test.each(['2026-02-29', '2026-13-01', '2026-11-31', '2026-1-01', '26-11-27', '2026-11-27T00:00:00Z', ''])(
    '%j is not a calendar date',
    (d) => expect(isCalendarDate(d)).toBe(false),
  );

  test('time zones are IANA names', () => {
    expect(isTimeZone('America/New_York')).toBe(true);
    expect(isTimeZone('Europe/Amsterdam')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});
