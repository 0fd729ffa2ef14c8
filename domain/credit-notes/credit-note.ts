import Big from 'big.js';
import { metadataInput, type Metadata } from '../shared/metadata.js';
import * as z from 'zod';
import { validationError, type FieldError } from '../errors.js';
import type { Invoice } from '../invoices/invoice.js';
import { lineMoney } from '../money/line-items.js';
import { text } from '../shared/schemas.js';

/** One credited line: part (or all) of an invoice line, or a lump sum (`lineItemId` null). */
export type CreditNoteLine = {
  lineItemId: string | null;
  description: string;
  /** The quantity credited, when the credit was given as one. */
  quantity: number | null;
  /** Before tax, in minor units. */
  amount: number;
  tax: number;
};

/**
 * A credit note: immutable once issued. It carries what its document needs from the invoice (number,
 * currency, language, locale) so it reads the same however the account's settings change later.
 */
export type CreditNote = {
  id: string;
  accountId: string;
  invoiceId: string;
  invoiceNumber: string | null;
  number: string;
  currency: string;
  language: Invoice['language'];
  locale: string;
  reason: string;
  memo: string | null;
  lines: CreditNoteLine[];
  subtotal: number;
  tax: number;
  total: number;
  /** What reduced the invoice's balance due, and what is owed back to the buyer; they add up to `total`. */
  appliedToBalance: number;
  refundAmount: number;
  issuedAt: string;
  issuedBy: string;
  /** The invoice version this credit note's write produced (see Payment.invoiceVersion). */
  invoiceVersion: number;
  /** Its PDF, rendered from the stream after issue: a derived fact, not an edit. */
  pdf: { status: 'pending' | 'ready'; sha256: string | null };
  /** The integrator's own keys, set at issue (absent on credit notes stored before it: shown as `{}`). */
  metadata?: Metadata;
};

const quantity = z
  .number()
  .refine((n) => Number.isFinite(n) && new Big(n).round(4).eq(n), { message: 'must have at most 4 decimal places' })
  .pipe(z.number().gt(0));

export const creditNoteLineInput = z.strictObject({
  lineItemId: z.string().regex(/^li_[0-9A-Za-z]{1,40}$/, 'must be a line item id (li_…)'),
  quantity: quantity.optional(),
  /** Before tax; the line's tax rate is applied to it. */
  amount: z.int().min(1).optional(),
});

/**
 * `POST /invoices/{id}/credit-notes`: `lines` (each a whole line, a quantity of it, or an amount of
 * it) or one lump `amount` (tax included, as the buyer sees it), with a reason.
 */
export const creditNoteInput = z
  .strictObject({
    lines: z.array(creditNoteLineInput).min(1).max(100).optional(),
    amount: z.int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    reason: text(500).min(1, 'is required'),
    memo: text(2000).nullish(),
    metadata: metadataInput.optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.lines === undefined) === (v.amount === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [v.lines ? 'amount' : 'lines'],
        message: 'give either lines or amount, not both or neither',
      });
    }
    v.lines?.forEach((l, i) => {
      if (l.quantity !== undefined && l.amount !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['lines', i, 'amount'],
          message: 'give a quantity or an amount for a line, not both',
        });
      }
    });
  });
export type CreditNoteInput = z.infer<typeof creditNoteInput>;

/**
 * The credited lines, priced with the invoice's own line money rules (lineMoney: the same per-line
 * rounding), so crediting a whole line gives back exactly what the line charged. `earlier` are the
 * invoice's credit notes so far: a line is never credited beyond what it charged.
 */
export function creditLines(invoice: Invoice, input: CreditNoteInput, earlier: CreditNote[]): CreditNoteLine[] {
  if (input.amount !== undefined) {
    return [{ lineItemId: null, description: input.reason, quantity: null, amount: input.amount, tax: 0 }];
  }
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const lines: CreditNoteLine[] = [];
  input.lines!.forEach((req, i) => {
    const line = invoice.lineItems.find((l) => l.id === req.lineItemId);
    if (!line)
      return void errors.push({ path: `lines.${i}.lineItemId`, message: `the invoice has no line ${req.lineItemId}` });
    if (seen.has(line.id))
      return void errors.push({ path: `lines.${i}.lineItemId`, message: 'must not repeat a line' });
    seen.add(line.id);
    let credit: CreditNoteLine;
    if (req.quantity !== undefined) {
      if (req.quantity > line.quantity)
        return void errors.push({
          path: `lines.${i}.quantity`,
          message: `must not exceed the line's quantity (${line.quantity})`,
        });
      const m = lineMoney({
        quantity: req.quantity,
        unitPrice: line.unitPrice,
        discount: line.discount,
        taxRate: line.taxRate,
      });
      credit = { lineItemId: line.id, description: line.name, quantity: req.quantity, amount: m.amount, tax: m.tax };
    } else if (req.amount !== undefined) {
      if (req.amount > line.amount)
        return void errors.push({
          path: `lines.${i}.amount`,
          message: `must not exceed the line's amount before tax (${line.amount})`,
        });
      // Tax on a credited amount rounds as the line's own tax does.
      const tax = lineMoney({ quantity: 1, unitPrice: req.amount, taxRate: line.taxRate }).tax;
      credit = { lineItemId: line.id, description: line.name, quantity: null, amount: req.amount, tax };
    } else {
      credit = {
        lineItemId: line.id,
        description: line.name,
        quantity: line.quantity,
        amount: line.amount,
        tax: line.taxAmount,
      };
    }
    const before = earlier
      .flatMap((n) => n.lines)
      .filter((l) => l.lineItemId === line.id)
      .reduce((s, l) => s + l.amount + l.tax, 0);
    const charged = line.amount + line.taxAmount;
    if (before + credit.amount + credit.tax > charged) {
      return void errors.push({
        path: `lines.${i}`,
        message: `would credit the line beyond what it charged (${charged}, of which ${before} is already credited)`,
      });
    }
    if (credit.amount + credit.tax <= 0) return void errors.push({ path: `lines.${i}`, message: 'credits nothing' });
    lines.push(credit);
  });
  if (errors.length) throw validationError('The credit note has invalid lines', errors);
  return lines;
}
