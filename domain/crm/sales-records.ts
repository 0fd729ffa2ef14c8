import * as z from 'zod';
import { metadataInput } from '../shared/metadata.js';
import type { Actor } from '../auth/actor.js';
import type { LineItem } from '../invoices/invoice.js';
import { lineItemInput, lineItemsRequest, MAX_CONTACTS } from '../invoices/invoice-input.js';
import { sumTotals, type Totals } from '../money/line-items.js';
import { address, calendarDate, recordId, text } from '../shared/schemas.js';
import type { CrmRecord } from './records.js';

/**
 * Deals, quotes and products: the CRM records invoices are made from. Deals and quotes carry line
 * items priced exactly as an invoice's (same money rules), so converting one copies lines and
 * totals unchanged; products are the library those lines may be picked from.
 */

const uniqueIds = (ids: string[]) => new Set(ids).size === ids.length;
const contactIds = z
  .array(recordId('con'))
  .max(MAX_CONTACTS)
  .refine(uniqueIds, { message: 'must not repeat a contact' });
/** A user id of the account, as the token's `sub` carries it. */
export const ownerId = z.string().min(1).max(128);

export const dealInput = z
  .strictObject({
    name: text(200).min(1, 'is required'),
    contacts: contactIds,
    company: recordId('com').nullable(),
    lineItems: lineItemsRequest,
    owner: ownerId,
    metadata: metadataInput,
  })
  .partial();
export const dealCreateInput = dealInput.required({ name: true });
export type DealInput = z.infer<typeof dealInput>;
export type Deal = CrmRecord & {
  kind: 'deal';
  name: string;
  contacts: string[];
  company: string | null;
  lineItems: LineItem[];
  totals: Totals;
  owner: string;
};

export const QUOTE_STATUSES = ['draft', 'published'] as const;
export const quoteInput = z
  .strictObject({
    title: text(200).min(1, 'is required'),
    status: z.enum(QUOTE_STATUSES),
    contacts: contactIds,
    company: recordId('com').nullable(),
    deal: recordId('deal').nullable(),
    lineItems: lineItemsRequest,
    comments: text(10_000).nullable(),
    expiresOn: calendarDate.nullable(),
    billingAddress: address.nullable(),
    owner: ownerId,
    metadata: metadataInput,
  })
  .partial();
export const quoteCreateInput = quoteInput.required({ title: true });
export type QuoteInput = z.infer<typeof quoteInput>;
export type Quote = CrmRecord & {
  kind: 'quote';
  title: string;
  status: (typeof QUOTE_STATUSES)[number];
  contacts: string[];
  company: string | null;
  deal: string | null;
  lineItems: LineItem[];
  totals: Totals;
  comments: string | null;
  expiresOn: string | null;
  billingAddress: z.infer<typeof address> | null;
  owner: string;
  /** The invoices converted from this quote, oldest first (read-only; conversion appends). */
  invoices: string[];
};

// A product's fields obey the same limits as the line items they are copied into.
const line = lineItemInput.shape;
export const productInput = z
  .strictObject({
    name: line.name,
    sku: text(100).nullable(),
    description: line.description.unwrap(),
    unitPrice: line.unitPrice,
    taxRate: line.taxRate.unwrap(),
    metadata: metadataInput,
  })
  .partial();
export const productCreateInput = productInput.required({ name: true, unitPrice: true });
export type ProductInput = z.infer<typeof productInput>;
export type Product = CrmRecord & {
  kind: 'product';
  name: string;
  sku: string | null;
  description: string | null;
  unitPrice: number;
  taxRate: number | null;
};

/**
 * Stored defaults of each kind. Line items, totals and sanitized comments are filled in by the
 * kind's `prepare` hook (domain/crm/sales-record-rules.ts), which can read products and records.
 */
export const dealFields = (i: DealInput, actor: Actor): Omit<Deal, keyof CrmRecord> => ({
  name: i.name ?? '',
  contacts: i.contacts ?? [],
  company: i.company ?? null,
  lineItems: [],
  totals: sumTotals([]),
  owner: i.owner ?? actor.userId,
});

export const quoteFields = (i: QuoteInput, actor: Actor): Omit<Quote, keyof CrmRecord> => ({
  title: i.title ?? '',
  status: i.status ?? 'draft',
  contacts: i.contacts ?? [],
  company: i.company ?? null,
  deal: i.deal ?? null,
  lineItems: [],
  totals: sumTotals([]),
  comments: null,
  expiresOn: i.expiresOn ?? null,
  billingAddress: i.billingAddress ?? null,
  owner: i.owner ?? actor.userId,
  invoices: [],
});

export const productFields = (i: ProductInput): Omit<Product, keyof CrmRecord> => ({
  name: i.name ?? '',
  sku: i.sku ?? null,
  description: i.description ?? null,
  unitPrice: i.unitPrice ?? 0,
  taxRate: i.taxRate ?? null,
});
