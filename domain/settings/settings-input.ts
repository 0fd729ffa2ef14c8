import * as z from 'zod';
import { bankAccount, electronicAddress, legalRegistrationId, vatId } from '../shared/party-ids.js';
import {
  countryCode,
  currencyCode,
  hostname,
  language,
  locale,
  paymentMethods,
  text,
  timeZone,
} from '../shared/schemas.js';
import { MAX_REMINDER_OFFSET_DAYS, MAX_REMINDER_STEPS, NUMBERING_MODES } from './settings.js';

/*
 * What `PUT /settings/invoices` accepts, apart from the settings' shape (settings.ts): the VAT id and
 * IBAN checkers these schemas use load only where settings are written, not with every function
 * that reads settings.
 */

/**
 * Who issues the account's invoices (API.md, "E-invoices"): the "From" block of every document and
 * the seller party (BG-4) of the e-invoice.
 */
export const sellerProfile = z.strictObject({
  legalName: text(200).min(1, 'is required'),
  tradingName: text(200).nullish(),
  vatId: vatId.nullish(),
  /** A tax registration that is not a VAT id (BT-32), e.g. a German Steuernummer. */
  taxRegistrationId: text(50).nullish(),
  legalRegistrationId: legalRegistrationId.nullish(),
  address: z.strictObject({
    line1: text(200).min(1, 'is required'),
    line2: text(200).nullish(),
    city: text(100).min(1, 'is required'),
    postalCode: text(20).min(1, 'is required'),
    region: text(100).nullish(),
    country: countryCode,
  }),
  // An empty contact is stored as none: DynamoDB Local's stream cannot carry an empty map (the
  // stream handler's unmarshall fails on it), and it says nothing anyway.
  contact: z
    .strictObject({ name: text(200).nullish(), email: z.email().max(254).nullish(), phone: text(50).nullish() })
    .nullish()
    .transform((c) => (c && (c.name || c.email || c.phone) ? c : null)),
  electronicAddress: electronicAddress.nullish(),
  bankAccount: bankAccount.nullish(),
});
export type SellerProfile = z.infer<typeof sellerProfile>;

/** `PUT /settings/invoices`: the fields given replace the current ones; fields left out keep theirs. */
const numberPrefix = z
  .string()
  .min(1)
  .max(8, 'must be at most 8 characters')
  .regex(/^[A-Za-z0-9]+$/, 'must be letters and digits only');
const startNumber = z.int().min(1).max(999_999_999);

export const settingsInput = z
  .strictObject({
    prefix: numberPrefix,
    startNumber,
    numbering: z.enum(NUMBERING_MODES),
    currency: currencyCode,
    timeZone: timeZone,
    defaultLanguage: language,
    defaultLocale: locale,
    domains: z
      .array(hostname)
      .max(20)
      .refine((d) => new Set(d).size === d.length, { message: 'must not repeat a domain' }),
    paymentMethods,
    collectBillingAddress: z.boolean(),
    collectShippingAddress: z.boolean(),
    shippingCountries: z.array(countryCode).max(250),
    allowPartialPayments: z.boolean(),
    creditNotePrefix: numberPrefix,
    creditNoteStartNumber: startNumber,
    reminders: z
      .strictObject({
        enabled: z.boolean(),
        schedule: z
          .array(z.strictObject({ days: z.int().min(-MAX_REMINDER_OFFSET_DAYS).max(MAX_REMINDER_OFFSET_DAYS) }))
          .max(MAX_REMINDER_STEPS)
          .refine((s) => new Set(s.map((x) => x.days)).size === s.length, { message: 'must not repeat a step' }),
      })
      .partial(),
    seller: sellerProfile.nullable(),
  })
  .partial();
export type SettingsInput = z.infer<typeof settingsInput>;
