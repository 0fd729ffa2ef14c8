import { addDays } from './calendar.js';

export const PAYMENT_TERMS = ['dueOnReceipt', 'net15', 'net30', 'net45', 'net60', 'net90', 'custom'] as const;
export type PaymentTerms = (typeof PAYMENT_TERMS)[number];

const DAYS: Record<Exclude<PaymentTerms, 'custom'>, number> = {
  dueOnReceipt: 0,
  net15: 15,
  net30: 30,
  net45: 45,
  net60: 60,
  net90: 90,
};

/**
 * The due date that follows from the terms; `custom` keeps the date set by hand. Net terms count
 * calendar days from the invoice date, as HubSpot and Stripe do.
 */
export function dueDateFor(terms: PaymentTerms, invoiceDate: string, customDueDate: string | null): string | null {
  if (terms === 'custom') return customDueDate;
  return addDays(invoiceDate, DAYS[terms]);
}
