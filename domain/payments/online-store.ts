import type { Change } from '../audit/history.js';
import type { Invoice } from '../invoices/invoice.js';
import type { Payment } from './payment.js';
import type { PaymentSettings } from './payment-settings.js';

/** A hosted checkout opened for an invoice, kept beside it so voiding the invoice can close it. */
export type CheckoutRecord = {
  accountId: string;
  invoiceId: string;
  checkoutSessionId: string;
  connectedAccountId: string;
  amount: number;
  createdAt: string;
  status: 'open' | 'closed';
};

/** Where a payment intent's payment lives: global, as processor ids are. */
export type IntentRef = { accountId: string; invoiceId: string; paymentId: string };

/** The processor event was applied already (its mark is in the table). */
export class EventAlreadyApplied extends Error {
  constructor() {
    super('the event was applied already');
    this.name = 'EventAlreadyApplied';
  }
}

/**
 * A write of an online payment: the payment item (new, or over the version read), the invoice when
 * its totals move (conditional on the version read), the mark of the processor event that caused
 * it, and the history entry; all in ONE transaction. A lost race on the invoice or the payment
 * is a `VersionConflict` (re-read and decide again); a seen event is `EventAlreadyApplied`.
 */
export type OnlineWrite = {
  payment: Payment;
  /** The payment as read (absent: a new payment, with its payment-intent guard). */
  previousPayment?: Payment;
  invoice?: { previous: Invoice; next: Invoice; change: Change };
  eventId?: string;
};

export interface OnlinePaymentStore {
  write(w: OnlineWrite): Promise<void>;
  byIntent(paymentIntentId: string): Promise<IntentRef | null>;
  getPayment(accountId: string, invoiceId: string, paymentId: string): Promise<Payment | null>;
  /** The payment behind `POST /payments/{id}/…`; null when this account has none of that id. */
  paymentRef(accountId: string, paymentId: string): Promise<{ invoiceId: string } | null>;
  saveCheckout(record: CheckoutRecord): Promise<void>;
  getCheckout(accountId: string, invoiceId: string, checkoutSessionId: string): Promise<CheckoutRecord | null>;
  openCheckouts(accountId: string, invoiceId: string): Promise<CheckoutRecord[]>;
  closeCheckout(record: CheckoutRecord): Promise<void>;
  getPaymentSettings(accountId: string): Promise<PaymentSettings | null>;
  savePaymentSettings(accountId: string, settings: PaymentSettings, expectedVersion: number): Promise<PaymentSettings>;
}
