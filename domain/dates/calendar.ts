import { DateTime, IANAZone } from 'luxon';

/** Calendar dates are `YYYY-MM-DD` in the account's time zone; luxon does the zone arithmetic. */
export function isTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

export function isCalendarDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && DateTime.fromISO(value, { zone: 'UTC' }).isValid;
}

/** Today's date in a time zone: 23:30 in New York on the 27th is the 27th, though UTC says the 28th. */
export function todayIn(zone: string, now: Date): string {
  return DateTime.fromJSDate(now).setZone(zone).toISODate()!;
}

export function addDays(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!;
}

export function daysBetween(from: string, to: string): number {
  const a = DateTime.fromISO(from, { zone: 'UTC' });
  const b = DateTime.fromISO(to, { zone: 'UTC' });
  return Math.round(b.diff(a, 'days').days);
}

/** The instant a calendar date starts in a zone, as ISO UTC (for a payment date given as a date). */
export function startOfDayInstant(date: string, zone: string): string {
  return DateTime.fromISO(date, { zone }).startOf('day').toUTC().toISO({ suppressMilliseconds: true })!;
}

export function toInstant(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
