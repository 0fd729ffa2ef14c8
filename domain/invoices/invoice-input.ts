import Big from 'big.js';
import * as z from 'zod';
import {
  address,
  calendarDate,
  currencyCode,
  hostname,
  instant,
  language,
  locale,
  paymentMethods,
  recordId,
  slug,
  text,
} from '../shared/schemas.js';
import { PAYMENT_TERMS } from '../dates/payment-terms.js';
import { metadataInput } from '../shared/metadata.js';
import { RECORDED_PAYMENT_METHODS } from '../payments/payment.js';
import { TAX_CATEGORIES } from '../money/line-items.js';

/**
 * Line items per invoice are capped so that an invoice stays far inside DynamoDB's 400 KB item
 * limit: 100 lines of at most 200 + 500 characters (4 bytes each in the worst UTF-8 case) is
 * under 300 KB with comments and the rest of the invoice.
 */
export const MAX_LINE_ITEMS = 100;

/**
 * Each associated record has a link item written in the invoice's own transaction, and replacing
 * every association deletes the old links and puts the new ones: 2 × (20 contacts + 1 company +
 * 10 deals + 10 quotes) plus the invoice's own items stays under DynamoDB's 100 items a transaction.
 */
export const MAX_CONTACTS = 20;

const decimal = (places: number) =>
  z.number().refine((n) => Number.isFinite(n) && new Big(n).round(places).eq(n), {
    message: `must have at most ${places} decimal places`,
  });

export const discountInput = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('amount'), value: z.int().min(0) }),
  z.strictObject({ type: z.literal('percent'), value: decimal(4).pipe(z.number().min(0).max(100)) }),
]);

export const lineItemInput = z
  .strictObject({
    id: z
      .string()
      .regex(/^li_[0-9A-Za-z]{1,40}$/, 'must be a line item id (li_…)')
      .optional(),
    /** The product the line was copied from (its details are a copy: later product changes do not reach it). */
    productId: recordId('prod').nullish(),
    name: text(200).min(1, 'is required'),
    description: text(500).nullish(),
    quantity: decimal(4).pipe(z.number().gt(0, 'must be greater than 0').max(1_000_000)).default(1),
    unitPrice: z.int().min(0).max(1_000_000_000_000),
    discount: discountInput.nullish(),
    taxRate: decimal(4).pipe(z.number().min(0).max(100)).nullish(),
    /** EN 16931 VAT category; default `S` with a rate above 0, else `Z` (API.md, E-invoices). */
    taxCategory: z.enum(TAX_CATEGORIES).nullish(),
    taxExemptionReason: text(300).nullish(),
    /** A code of the CEF VATEX list, e.g. `VATEX-EU-AE` (reverse charge) or `VATEX-EU-IC` (intra-community). */
    taxExemptionReasonCode: z
      .string()
      .regex(/^VATEX-[A-Z]{2}-[A-Z0-9-]{1,20}$/, 'must be a VATEX code (VATEX-EU-…)')
      .nullish(),
    /** UN/ECE Recommendation 20 unit code: `C62` (one), `HUR` (hour), `DAY`, `KGM`, … */
    unitCode: z
      .string()
      .regex(/^[A-Z0-9]{2,3}$/, 'must be a UN/ECE Recommendation 20 unit code (C62, HUR, DAY, …)')
      .nullish(),
  })
  .superRefine((line, ctx) => {
    // The VAT category rules of EN 16931 (BR-S-05, BR-Z-05, BR-E-05, BR-AE-05, BR-IC-05, BR-G-05,
    // BR-O-05 for the rate; BR-x-10 for the exemption reason), checked as the line is entered.
    const category = line.taxCategory ?? (line.taxRate ? 'S' : 'Z');
    const rate = line.taxRate ?? 0;
    const reason = line.taxExemptionReason || line.taxExemptionReasonCode;
    if (category === 'S' && !(rate > 0))
      ctx.addIssue({ code: 'custom', path: ['taxRate'], message: 'must be above 0 for taxCategory S (BR-S-05)' });
    if (category !== 'S' && rate !== 0)
      ctx.addIssue({
        code: 'custom',
        path: ['taxRate'],
        message: `must be 0 for taxCategory ${category} (BR-${category === 'K' ? 'IC' : category}-05)`,
      });
    if ((category === 'S' || category === 'Z') && reason)
      ctx.addIssue({
        code: 'custom',
        path: [line.taxExemptionReasonCode ? 'taxExemptionReasonCode' : 'taxExemptionReason'],
        message: `must be empty for taxCategory ${category} (BR-${category}-10)`,
      });
    if (category !== 'S' && category !== 'Z' && !reason)
      ctx.addIssue({
        code: 'custom',
        path: ['taxExemptionReason'],
        message: `taxExemptionReason or taxExemptionReasonCode is required for taxCategory ${category} (BR-${category === 'K' ? 'IC' : category}-10)`,
      });
    // A per-unit discount larger than the price would make the line negative.
    if (line.discount?.type === 'amount' && line.discount.value > line.unitPrice) {
      ctx.addIssue({
        code: 'custom',
        path: ['discount', 'value'],
        message: 'must not exceed the unit price',
      });
    }
  });
export type LineItemInput = z.infer<typeof lineItemInput>;

const uniqueIds = (ids: string[]) => new Set(ids).size === ids.length;

/**
 * Deals and quotes an invoice may name. Each association is an item written in the invoice's own
 * transaction (functions/dynamodb/invoice-links.ts), so the cap keeps that under DynamoDB's 100.
 */
export const MAX_LINKED_SALES_RECORDS = 10;

const billingInput = z
  .strictObject({
    paymentMethods,
    collectBillingAddress: z.boolean(),
    collectShippingAddress: z.boolean(),
  })
  .partial();

/** Every field a user edits on a draft. Create and PATCH share it; null clears a nullable field. */
export const invoiceEditInput = z
  .strictObject({
    currency: currencyCode,
    invoiceDate: calendarDate,
    paymentTerms: z.enum(PAYMENT_TERMS),
    dueDate: calendarDate.nullable(),
    poNumber: text(100).nullable(),
    /** BT-10: the buyer's routing reference (a Leitweg-ID, a cost centre). */
    buyerReference: text(200).nullable(),
    billingAddress: address.nullable(),
    contacts: z
      .array(recordId('con'))
      .max(MAX_CONTACTS, `must have at most ${MAX_CONTACTS} contacts`)
      .refine(uniqueIds, { message: 'must not repeat a contact' }),
    company: recordId('com').nullable(),
    deals: z
      .array(recordId('deal'))
      .max(MAX_LINKED_SALES_RECORDS)
      .refine(uniqueIds, { message: 'must not repeat a deal' }),
    quotes: z
      .array(recordId('quo'))
      .max(MAX_LINKED_SALES_RECORDS)
      .refine(uniqueIds, { message: 'must not repeat a quote' }),
    lineItems: z.array(lineItemInput).max(MAX_LINE_ITEMS, `must have at most ${MAX_LINE_ITEMS} line items per invoice`),
    comments: text(10_000).nullable(),
    billing: billingInput,
    allowPartialPayments: z.boolean(),
    language,
    locale,
    domain: hostname.nullable(),
    slug: slug.nullable(),
    owner: z.string().min(1).max(128),
    metadata: metadataInput,
    /** A field an open invoice still takes in a PATCH (alone, or with metadata): no payment reminders while true. */
    remindersPaused: z.boolean(),
  })
  .partial();
export type InvoiceEditInput = z.infer<typeof invoiceEditInput>;

export const markPaidInput = z.strictObject({
  paidAt: z.union([instant, calendarDate]).optional(),
  // mark-paid records one payment of the remaining balance; these describe it (default `other`).
  method: z.enum(RECORDED_PAYMENT_METHODS).optional(),
  reference: text(200).nullish(),
});
export type MarkPaidInput = z.infer<typeof markPaidInput>;

export const emptyInput = z.strictObject({});

/**
 * A line item as clients send it: with a `productId`, name and unit price may be left out and are
 * copied from the product (domain/crm/line-item-products.ts resolves them into `lineItemInput`).
 */
export const lineItemRequest = z
  .strictObject({
    ...lineItemInput.shape,
    name: lineItemInput.shape.name.optional(),
    unitPrice: lineItemInput.shape.unitPrice.optional(),
  })
  .superRefine((line, ctx) => {
    if (line.productId) return;
    if (line.name === undefined)
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'is required (or give a productId)' });
    if (line.unitPrice === undefined)
      ctx.addIssue({ code: 'custom', path: ['unitPrice'], message: 'is required (or give a productId)' });
  });
export type LineItemRequest = z.infer<typeof lineItemRequest>;

export const lineItemsRequest = z
  .array(lineItemRequest)
  .max(MAX_LINE_ITEMS, `must have at most ${MAX_LINE_ITEMS} line items per invoice`);

/** PATCH /invoices/{id}: the edit input, with line items that may name a product. */
export const invoiceEditRequest = invoiceEditInput.extend({ lineItems: lineItemsRequest.optional() });
export type InvoiceEditRequest = z.infer<typeof invoiceEditRequest>;

/** Where a new invoice's details come from: a deal or a published quote (copied), or a contact or company (associated). */
export const invoiceSource = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('deal'), id: recordId('deal') }),
  z.strictObject({ type: z.literal('quote'), id: recordId('quo') }),
  z.strictObject({ type: z.literal('contact'), id: recordId('con') }),
  z.strictObject({ type: z.literal('company'), id: recordId('com') }),
]);
export type InvoiceSource = z.infer<typeof invoiceSource>;

/** POST /invoices: the edit request plus `from`; fields set beside `from` override what it copies. */
export const invoiceCreateRequest = invoiceEditRequest.extend({ from: invoiceSource.optional() });
export type InvoiceCreateRequest = z.infer<typeof invoiceCreateRequest>;
