import Big from 'big.js';
import { z } from 'zod';
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

/**
 * Line items per invoice are capped so that an invoice stays far inside DynamoDB's 400 KB item
 * limit: 100 lines of at most 200 + 500 characters (4 bytes each in the worst UTF-8 case) is
 * under 300 KB with comments and the rest of the invoice.
 */
export const MAX_LINE_ITEMS = 100;

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
    id: z.string().regex(/^li_[0-9A-Za-z]{1,40}$/, 'must be a line item id (li_…)').optional(),
    name: text(200).min(1, 'is required'),
    description: text(500).nullish(),
    quantity: decimal(4).pipe(z.number().gt(0, 'must be greater than 0').max(1_000_000)).default(1),
    unitPrice: z.int().min(0).max(1_000_000_000_000),
    discount: discountInput.nullish(),
    taxRate: decimal(4).pipe(z.number().min(0).max(100)).nullish(),
  })
  .superRefine((line, ctx) => {
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
    billingAddress: address.nullable(),
    contacts: z.array(recordId('con')).max(50).refine(uniqueIds, { message: 'must not repeat a contact' }),
    company: recordId('com').nullable(),
    lineItems: z
      .array(lineItemInput)
      .max(MAX_LINE_ITEMS, `must have at most ${MAX_LINE_ITEMS} line items per invoice`),
    comments: text(10_000).nullable(),
    billing: billingInput,
    language,
    locale,
    domain: hostname.nullable(),
    slug: slug.nullable(),
    owner: z.string().min(1).max(128),
  })
  .partial();
export type InvoiceEditInput = z.infer<typeof invoiceEditInput>;

export const markPaidInput = z.strictObject({
  paidAt: z.union([instant, calendarDate]).optional(),
});
export type MarkPaidInput = z.infer<typeof markPaidInput>;

export const emptyInput = z.strictObject({});
