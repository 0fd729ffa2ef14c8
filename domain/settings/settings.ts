import type * as z from 'zod';
import type { language, PAYMENT_METHODS } from '../shared/schemas.js';
import type { LogoImage } from './logo-image.js';
import type { SellerProfile } from './settings-input.js';

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
