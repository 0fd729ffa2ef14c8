import * as z from 'zod';
import { bankAccount, electronicAddress, legalRegistrationId, vatId } from '../shared/party-ids.js';
import type { LogoImage } from './logo-image.js';
import {
  countryCode,
  currencyCode,
  hostname,
  language,
  locale,
  paymentMethods,
  text,
  timeZone,
  PAYMENT_METHODS,
} from '../shared/schemas.js';

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

/**
 * The seller's logo (`PUT /settings/invoices/logo`): the picture is in the document bucket under
 * `key`, which names its content (seller-logo.ts), so an issued invoice that recorded it prints the
 * same picture for as long as it is re-rendered, whatever the account uploads later.
 */
export type SellerLogo = LogoImage & { key: string; updatedAt: string };

export const NUMBERING_MODES = ['onCreate', 'onFinalize'] as const;

export type InvoiceSettings = {
  prefix: string;
  startNumber: number;
  numbering: (typeof NUMBERING_MODES)[number];
  currency: string;
  timeZone: string;
  defaultLanguage: z.infer<typeof language>;
  defaultLocale: string;
  domains: string[];
  paymentMethods: (typeof PAYMENT_METHODS)[number][];
  collectBillingAddress: boolean;
  collectShippingAddress: boolean;
  shippingCountries: string[];
  /** The default of new invoices' `allowPartialPayments` (off, as in HubSpot). */
  allowPartialPayments: boolean;
  /** Credit notes have a number series of their own: `CN-1001`, `CN-1002`. */
  creditNotePrefix: string;
  creditNoteStartNumber: number;
  /** Payment reminders (domain/reminders): off by default; steps are days relative to the due date. */
  reminders: ReminderSettings;
  /** The seller profile; null until the account fills it in. */
  seller: SellerProfile | null;
  /** The logo in the "From" block; null until one is uploaded. */
  logo: SellerLogo | null;
};

export type ReminderSettings = { enabled: boolean; schedule: { days: number }[] };

/** How far from the due date a step may be: a year either way. */
export const MAX_REMINDER_OFFSET_DAYS = 365;
export const MAX_REMINDER_STEPS = 10;

export type StoredSettings = InvoiceSettings & { accountId: string; version: number; updatedAt: string | null };

export const DEFAULT_SETTINGS: InvoiceSettings = {
  prefix: 'INV',
  startNumber: 1001,
  numbering: 'onCreate',
  currency: 'USD',
  timeZone: 'America/New_York',
  defaultLanguage: 'en',
  defaultLocale: 'en-US',
  domains: [],
  paymentMethods: ['card', 'ach'],
  collectBillingAddress: false,
  collectShippingAddress: false,
  shippingCountries: [],
  allowPartialPayments: false,
  creditNotePrefix: 'CN',
  creditNoteStartNumber: 1001,
  reminders: { enabled: false, schedule: [{ days: -3 }, { days: 0 }, { days: 7 }, { days: 14 }, { days: 30 }] },
  seller: null,
  logo: null,
};

export const defaultSettings = (accountId: string): StoredSettings => ({
  ...DEFAULT_SETTINGS,
  accountId,
  version: 0,
  updatedAt: null,
});

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
