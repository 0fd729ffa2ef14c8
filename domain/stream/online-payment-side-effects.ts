import type { EventType, InvoiceEvent } from '../events/invoice-events.js';
import { paymentStatus, type Payment } from '../payments/payment.js';
import type { SideEffectDeps, SideEffectResult } from './invoice-side-effects.js';
import { publishOnce } from './ledger-side-effects.js';

/**
 * The events one change of an online payment item means, from its old and new image. Ids come
 * from the payment and the version the change made, so a replayed stream record yields the same
 * ids and is dropped. `invoice.paymentRecorded` comes only when the payment moved the invoice
 * (its id, like a recorded payment's, from the invoice version that write produced).
 */
export function onlinePaymentEvents(old: Payment | null, next: Payment): InvoiceEvent[] {
  const now = next.online;
  if (!now) return [];
  const before = old?.online;
  const version = next.version ?? 1;
  const out: { type: EventType; id: string }[] = [];
  const id = (kind: string) => `evt_${next.id}_${version}_${kind}`;
  const landed = now.state === 'succeeded' && before?.state !== 'succeeded';
  if (landed) {
    out.push({ type: 'payment.succeeded', id: id('succeeded') });
    if (now.appliedAmount > 0)
      out.push({ type: 'invoice.paymentRecorded', id: `evt_${next.invoiceId}_${next.invoiceVersion}_paymentRecorded` });
  }
  if (now.state === 'failed' && before?.state !== 'failed') out.push({ type: 'payment.failed', id: id('failed') });
  if (now.refundedAmount > (before?.refundedAmount ?? 0)) out.push({ type: 'payment.refunded', id: id('refunded') });
  if (now.disputed && !before?.disputed) out.push({ type: 'payment.disputed', id: id('disputed') });
  return out.map(({ type, id: eventId }) => ({
    id: eventId,
    type,
    accountId: next.accountId,
    invoiceId: next.invoiceId,
    occurredAt: next.paidAt,
    data: {
      paymentId: next.id,
      amount: next.amount,
      currency: next.currency,
      method: next.method,
      source: 'online',
      status: paymentStatus(next),
      appliedAmount: now.appliedAmount,
      refundedAmount: now.refundedAmount,
      paymentIntentId: now.processor.paymentIntentId,
      version: next.invoiceVersion,
    },
  }));
}

/**
 * The events a change of a payment recorded by hand means: a refund recorded, or the payment voided
 * (entered by mistake). Its recording itself is `invoice.paymentRecorded`, from the insert.
 */
export function recordedPaymentEvents(old: Payment, next: Payment): InvoiceEvent[] {
  const version = next.version ?? 1;
  const out: EventType[] = [];
  if ((next.refundedAmount ?? 0) > (old.refundedAmount ?? 0)) out.push('payment.refunded');
  if (next.voidedAt && !old.voidedAt) out.push('payment.voided');
  return out.map((type) => ({
    id: `evt_${next.id}_${version}_${type.slice('payment.'.length)}`,
    type,
    accountId: next.accountId,
    invoiceId: next.invoiceId,
    occurredAt: (type === 'payment.voided' ? next.voidedAt : next.refundedAt) ?? next.recordedAt,
    data: {
      paymentId: next.id,
      amount: next.amount,
      currency: next.currency,
      method: next.method,
      source: 'recorded',
      status: paymentStatus(next),
      refundedAmount: next.refundedAmount ?? 0,
      ...(next.voidedAt ? { voidedAt: next.voidedAt } : {}),
      version: next.invoiceVersion,
    },
  }));
}

/** A payment item changed: what it means, for an online payment or one recorded by hand. */
export async function paymentChangeSideEffects(
  deps: SideEffectDeps,
  old: Payment | null,
  next: Payment,
): Promise<SideEffectResult> {
  const events = next.online ? onlinePaymentEvents(old, next) : old ? recordedPaymentEvents(old, next) : [];
  return { published: await publishOnce(deps, events), rendered: false };
}
