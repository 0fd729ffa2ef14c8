import type { Invoice } from '../invoices/invoice.js';
import { INVOICE_STATUSES } from '../invoices/status-machine.js';
import { PAYMENT_TERMS } from '../dates/payment-terms.js';

/**
 * The invoice properties search, views and exports name, flatly (API.md): one entry per property
 * with its type, which decides the operators it takes, how filter values are read and how it sorts.
 */
export type PropertyType =
  | 'string' // exact match; CONTAINS_TOKEN on its words
  | 'enum' // one of a fixed set of values
  | 'boolean'
  | 'date' // YYYY-MM-DD
  | 'instant' // ISO 8601 UTC; a date as the filter value means that whole day in the account's time zone
  | 'money' // integer minor units
  | 'integer'
  | 'invoiceNumber' // PREFIX-N: ordered by prefix, then numerically
  | 'idList'; // contacts, deals, quotes: EQ means "names this id"

export type PropertyValue = string | number | boolean | null | string[];

export type PropertyDef = {
  type: PropertyType;
  get: (invoice: Invoice) => PropertyValue;
  values?: readonly string[];
  /** Money is exported in major units beside the currency. */
  money?: boolean;
};

const money = (get: (i: Invoice) => number): PropertyDef => ({ type: 'money', get, money: true });

export const INVOICE_PROPERTIES = {
  id: { type: 'string', get: (i) => i.id },
  number: { type: 'invoiceNumber', get: (i) => i.number },
  status: { type: 'enum', get: (i) => i.status, values: INVOICE_STATUSES },
  pastDue: { type: 'boolean', get: (i) => i.pastDue },
  currency: { type: 'string', get: (i) => i.currency },
  invoiceDate: { type: 'date', get: (i) => i.invoiceDate },
  dueDate: { type: 'date', get: (i) => i.dueDate },
  paymentTerms: { type: 'enum', get: (i) => i.paymentTerms, values: PAYMENT_TERMS },
  createdAt: { type: 'instant', get: (i) => i.createdAt },
  updatedAt: { type: 'instant', get: (i) => i.updatedAt },
  finalizedAt: { type: 'instant', get: (i) => i.finalizedAt },
  sentAt: { type: 'instant', get: (i) => i.sentAt },
  paidAt: { type: 'instant', get: (i) => i.paidAt },
  voidedAt: { type: 'instant', get: (i) => i.voidedAt },
  subtotal: money((i) => i.totals.subtotal),
  discount: money((i) => i.totals.discount),
  tax: money((i) => i.totals.tax),
  total: money((i) => i.totals.total),
  amountPaid: money((i) => i.totals.amountPaid),
  creditedAmount: money((i) => i.totals.creditedAmount ?? 0),
  balanceDue: money((i) => i.totals.balanceDue),
  poNumber: { type: 'string', get: (i) => i.poNumber },
  owner: { type: 'string', get: (i) => i.owner },
  contact: { type: 'idList', get: (i) => i.contacts },
  company: { type: 'string', get: (i) => i.company },
  /** The ids of the association labels on any of its contacts and its company (EQ/IN search reads the label's links). */
  associationLabel: {
    type: 'idList',
    get: (i) => [...new Set(Object.values(i.associationLabels ?? {}).flatMap((ls) => ls.map((l) => l.id)))],
  },
  deal: { type: 'idList', get: (i) => i.deals ?? [] },
  quote: { type: 'idList', get: (i) => i.quotes ?? [] },
  language: { type: 'string', get: (i) => i.language },
  locale: { type: 'string', get: (i) => i.locale },
  domain: { type: 'string', get: (i) => i.domain },
  slug: { type: 'string', get: (i) => i.slug },
  comments: { type: 'string', get: (i) => i.comments },
  version: { type: 'integer', get: (i) => i.version },
  lineItemCount: { type: 'integer', get: (i) => i.lineItems.length },
} satisfies Record<string, PropertyDef>;

export type InvoiceProperty = keyof typeof INVOICE_PROPERTIES;
export const PROPERTY_NAMES = Object.keys(INVOICE_PROPERTIES) as InvoiceProperty[];

export const isProperty = (name: string): name is InvoiceProperty => Object.hasOwn(INVOICE_PROPERTIES, name);

export const propertyDef = (name: InvoiceProperty): PropertyDef => INVOICE_PROPERTIES[name];

/** The ordered types: comparisons (LT … BETWEEN) and sorting apply to these. */
export const ORDERED_TYPES: readonly PropertyType[] = ['date', 'instant', 'money', 'integer', 'invoiceNumber'];

/** Above any value a sort key takes (ASCII digits, letters, ISO punctuation): missing values sort last ascending. */
export const MISSING_SORT_VALUE = '~';

/**
 * `INV-1002` before `INV-1010` (numerically, not as text), and prefixes apart. Prefixes are
 * letters and digits, so the `-` that follows them keeps `INV` before `INVX`.
 */
export function numberSortKey(number: string): string {
  const dash = number.lastIndexOf('-');
  const n = number.slice(dash + 1);
  if (dash < 1 || !/^\d{1,12}$/.test(n)) return number;
  return `${number.slice(0, dash)}-${n.padStart(12, '0')}`;
}

/**
 * The value an invoice sorts by on a property: a string whose plain (code point) order is the
 * property's order, or a number for money and integers. The DynamoDB indexes are keyed by the
 * same strings (functions/dynamodb/keys.ts), so index order and this order are one.
 */
export function sortValue(invoice: Invoice, property: InvoiceProperty): string | number {
  const def = propertyDef(property);
  const v = def.get(invoice);
  if (def.type === 'money' || def.type === 'integer') return typeof v === 'number' ? v : Number.MAX_SAFE_INTEGER;
  if (v === null || typeof v !== 'string') return MISSING_SORT_VALUE;
  return def.type === 'invoiceNumber' ? numberSortKey(v) : v;
}
