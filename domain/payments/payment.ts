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
  /** Absent on payments stored before online payments existed: they were all recorded by hand. */
  source?: 'recorded' | 'online';
  /** Only on online payments (domain/payments/online-payment.ts). */
  online?: OnlineState;
  /** A recorded payment entered by mistake and voided (`POST /payments/{id}/void`). */
  voidedAt?: string | null;
  /** A recorded refund of a recorded payment (`POST /payments/{id}/refund`), in minor units. */
  refundedAmount?: number;
  /** When the last refund of a recorded payment was recorded (its `payment.refunded` event's time). */
  refundedAt?: string;
  /** Bumped by every change after the payment was written; conditional writes key on it. Absent: 1. */
  version?: number;
  /** The integrator's own keys, set when recorded (absent on payments stored before it: shown as `{}`). */
  metadata?: Metadata;
};

/** Where an online payment stands at the processor. */
export type OnlineState = {
  /** ACH is `pending` from checkout until the bank settles it; a card goes straight to `succeeded`. */
  state: 'pending' | 'succeeded' | 'failed';
  processor: { name: 'stripe'; checkoutSessionId: string; paymentIntentId: string; connectedAccountId: string };
  /** What counted toward the invoice when it landed: at most the balance then due, 0 on a voided or settled invoice. */
  appliedAmount: number;
  /** What the service owes back on its own: the part that landed with nothing (or less) due. */
  autoRefund: number;
  /** Whether the processor accepted the automatic refund (retried with the same key until it does). */
  autoRefundDone: boolean;
  /** Everything the processor has refunded on this payment (automatic and requested). */
  refundedAmount: number;
  disputed: boolean;
  /**
   * A refund asked for through the API and not yet confirmed: claimed on the payment before the
   * processor is called, so two requests at once cannot both refund from the same total (one wins,
   * the other is 409), and a request that died mid-way is made good by the next one with the same
   * processor key and amount. Cleared once the processor's total reaches `total`.
   */
  refundInProgress?: { total: number; amount: number; since: string };
};

export const ONLINE_PAYMENT_STATUSES = [
  'pending',
  'succeeded',
  'failed',
  'refunded',
  'partiallyRefunded',
  'disputed',
] as const;
export type PaymentStatus = (typeof ONLINE_PAYMENT_STATUSES)[number] | 'voided';

/** The status the contract shows: the processor's state, then a dispute, then refunds. */
export function paymentStatus(p: Payment): PaymentStatus {
  if (p.voidedAt) return 'voided';
  const refunded = p.online?.refundedAmount ?? p.refundedAmount ?? 0;
  if (p.online?.state === 'pending' || p.online?.state === 'failed') return p.online.state;
  if (p.online?.disputed) return 'disputed';
  if (refunded >= p.amount) return 'refunded';
  if (refunded > 0) return 'partiallyRefunded';
  return 'succeeded';
}

/**
 * How much of a payment counts toward its invoice now: what was applied less what was refunded of
 * it (an automatic refund returns the part never applied, so it takes nothing off).
 */
export function countedAmount(p: Payment): number {
  if (p.voidedAt) return 0;
  if (!p.online) return p.amount - (p.refundedAmount ?? 0);
  if (p.online.state !== 'succeeded') return 0;
  return p.online.appliedAmount - Math.max(0, p.online.refundedAmount - p.online.autoRefund);
}

/** `POST /payments/{id}/refund`: the whole remaining amount when `amount` is left out. */
export const refundInput = z.strictObject({ amount: z.int().min(1).max(Number.MAX_SAFE_INTEGER).optional() });
export type RefundInput = z.infer<typeof refundInput>;

/** `POST /invoices/{id}/payments`. `paidAt` is an instant, or a date taken as the start of that day in the account's zone. */
export const paymentInput = z.strictObject({
  amount: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  paidAt: z.union([instant, calendarDate]),
  method: z.enum(RECORDED_PAYMENT_METHODS),
  reference: text(200).nullish(),
  metadata: metadataInput.optional(),
});
export type PaymentInput = z.infer<typeof paymentInput>;
