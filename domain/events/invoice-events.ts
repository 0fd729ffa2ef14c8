import type { Invoice } from '../invoices/invoice.js';

export const EVENT_TYPES = [
  'invoice.created',
  'invoice.updated',
  'invoice.finalized',
  'invoice.sent',
  'invoice.paid',
  'invoice.voided',
  'invoice.pastDue',
  'invoice.deleted',
  // From the payment and credit note items' own stream records (domain/stream/ledger-side-effects.ts).
  'invoice.paymentRecorded',
  'creditNote.issued',
  // From a reminder item's own stream record (domain/stream/ledger-side-effects.ts).
  'invoice.reminderSent',
  // From a recurring schedule's own stream records (domain/stream/recurring-side-effects.ts).
  'recurringInvoice.issued',
  'recurringInvoice.failed',
  // From an online payment's own stream records (domain/stream/online-payment-side-effects.ts).
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
  'payment.disputed',
  // From a recorded payment's own stream records, when it is refunded or voided.
  'payment.voided',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * What the contract publishes: `{ id, type, accountId, invoiceId, occurredAt, data }`. A recurring
 * schedule's events also name it (`recurringInvoiceId`); a failed run has no invoice (null).
 */
export type InvoiceEvent = {
  id: string;
  type: EventType;
  accountId: string;
  invoiceId: string | null;
  recurringInvoiceId?: string;
  occurredAt: string;
  data: Record<string, unknown>;
};

export interface EventPublisher {
  publish(events: InvoiceEvent[]): Promise<void>;
}

/**
 * The events one change of an invoice item means, from its old and new image. Event ids are
 * derived from the invoice and its version, so a replayed stream record yields the same ids and a
 * consumer (or our own dedupe marker) can drop the repeat.
 */
export function eventsFor(oldImage: Invoice | null, newImage: Invoice | null): InvoiceEvent[] {
  const inv = newImage ?? oldImage;
  if (!inv) return [];
  const version = newImage?.version ?? oldImage!.version + 1;
  const types: EventType[] = [];
  if (!oldImage && newImage) {
    types.push('invoice.created');
    // Born open (a recurring run that finalizes in the same write): it was finalized, too.
    if (newImage.status === 'open') types.push('invoice.finalized');
  } else if (oldImage && !newImage) types.push('invoice.deleted');
  else if (oldImage && newImage) {
    if (oldImage.version === newImage.version) return []; // not a change of the invoice itself
    if (oldImage.status !== newImage.status) {
      if (newImage.status === 'open') types.push('invoice.finalized');
      if (newImage.status === 'paid') types.push('invoice.paid');
      if (newImage.status === 'voided') types.push('invoice.voided');
    }
    if (!oldImage.sentAt && newImage.sentAt) types.push('invoice.sent');
    if (!oldImage.pastDue && newImage.pastDue) types.push('invoice.pastDue');
    // A payment or credit note has its own event, from its own item's record (ledger-side-effects.ts).
    const moneyMoved =
      oldImage.totals.amountPaid !== newImage.totals.amountPaid ||
      (oldImage.totals.creditedAmount ?? 0) !== (newImage.totals.creditedAmount ?? 0);
    // A reminder's claim bumps the version too; its own item brings `invoice.reminderSent`.
    const reminded =
      (oldImage.lastRemindedAt ?? null) !== (newImage.lastRemindedAt ?? null) ||
      (oldImage.lastReminderStep ?? null) !== (newImage.lastReminderStep ?? null);
    if (types.length === 0 && !moneyMoved && !reminded) types.push('invoice.updated');
  }
  const occurredAt = newImage?.updatedAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return types.map((type) => ({
    id: `evt_${inv.id}_${version}_${type.split('.')[1]}`,
    type,
    accountId: inv.accountId,
    invoiceId: inv.id,
    occurredAt,
    data: {
      number: inv.number,
      status: (newImage ?? oldImage)!.status,
      version,
      total: inv.totals.total,
      currency: inv.currency,
    },
  }));
}
