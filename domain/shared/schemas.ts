import * as z from 'zod';
import { isCurrency } from '../money/currency.js';
import { isCalendarDate, isTimeZone } from '../dates/calendar.js';

/** Building blocks shared by the request schemas; each rule lives here once. */

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

export const LANGUAGES = ['en', 'nl', 'de', 'fr', 'es'] as const;

export const currencyCode = z
  .string()
  .refine(isCurrency, { message: 'must be an ISO 4217 currency code, such as USD or EUR' });

export const calendarDate = z.string().refine(isCalendarDate, { message: 'must be a calendar date, YYYY-MM-DD' });

export const instant = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 instant, such as 2026-11-27T10:15:00Z',
});

export const timeZone = z
  .string()
  .refine(isTimeZone, { message: 'must be an IANA time zone, such as America/New_York' });

export const countryCode = z.string().refine((c) => /^[A-Z]{2}$/.test(c) && regionNames.of(c) !== undefined, {
  message: 'must be an ISO 3166-1 alpha-2 country code, such as US',
});

export const language = z.enum(LANGUAGES);

export const locale = z.string().refine(
  (l) => {
    try {
      return /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(l) && Intl.NumberFormat.supportedLocalesOf([l]).length === 1;
    } catch {
      return false;
    }
  },
  { message: 'must be a BCP 47 locale this service formats, such as en-US or nl-NL' },
);

export const hostname = z
  .string()
  .max(253)
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'must be a lower-case host name, such as billing.example.com',
  );

export const slug = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'must be 1 to 64 lower-case letters, digits and inner hyphens');

export const recordId = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}_[0-9A-Za-z]{1,40}$`), `must be an id starting with ${prefix}_`);

export const text = (max: number) => z.string().trim().max(max);

export const address = z.strictObject({
  line1: text(200).min(1),
  line2: text(200).nullish(),
  city: text(100).min(1),
  region: text(100).nullish(),
  postalCode: text(20).nullish(),
  country: countryCode,
});
export type Address = z.infer<typeof address>;

export const PAYMENT_METHODS = ['card', 'ach'] as const;
export const paymentMethods = z
  .array(z.enum(PAYMENT_METHODS))
  .max(PAYMENT_METHODS.length)
  .refine((m) => new Set(m).size === m.length, { message: 'must not repeat a method' });
