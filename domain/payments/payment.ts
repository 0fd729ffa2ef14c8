import { z } from 'zod';
import { metadataInput, type Metadata } from '../shared/metadata.js';
import { calendarDate, instant, text } from '../shared/schemas.js';

/** How a recorded payment arrived (not the methods offered to the buyer, which are `billing.paymentMethods`). */
export const RECORDED_PAYMENT_METHODS = ['card', 'ach', 'bankTransfer', 'check', 'cash', 'other'] as const;
export type RecordedPaymentMethod = (typeof RECORDED_PAYMENT_METHODS)[number];

/**
 * A payment recorded against an invoice, stored beside it and written in the same transaction as
 * the invoice's new totals. `invoiceVersion` is the invoice version that write produced, so a
 * document of version N shows exactly the payments N knew about.
 */
export type Payment = {
  id: string;
  accountId: string;
  invoiceId: string;
  amount: number;
  currency: string;
  paidAt: string;
  method: RecordedPaymentMethod;
  reference: string | null;
  invoiceVersion: number;
  recordedAt: string;
  recordedBy: string;
  /** The integrator's own keys, set when recorded (absent on payments stored before it: shown as `{}`). */
  metadata?: Metadata;
};

/** `POST /invoices/{id}/payments`. `paidAt` is an instant, or a date taken as the start of that day in the account's zone. */
export const paymentInput = z.strictObject({
  amount: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  paidAt: z.union([instant, calendarDate]),
  method: z.enum(RECORDED_PAYMENT_METHODS),
  reference: text(200).nullish(),
  metadata: metadataInput.optional(),
});
export type PaymentInput = z.infer<typeof paymentInput>;
