import { historyEntry } from '../../domain/audit/history.js';
import {
  EventAlreadyApplied,
  type CheckoutRecord,
  type IntentRef,
  type OnlinePaymentStore,
  type OnlineWrite,
} from '../../domain/payments/online-store.js';
import type { Payment } from '../../domain/payments/payment.js';
import type { PaymentSettings } from '../../domain/payments/payment-settings.js';
import {
  ProcessorRefused,
  type CheckoutRequest,
  type PaymentProcessor,
  type ProcessorEvent,
} from '../../domain/payments/processor.js';
import { VersionConflict } from '../../domain/ports.js';
import type { InMemoryInvoiceStore } from './in-memory.js';

const copy = <T>(v: T): T => structuredClone(v);

/**
 * The online payment store in memory, writing through the in-memory invoice store's map: every
 * write checks all its conditions first and applies all or nothing, as one TransactWriteItems does.
 */
export class InMemoryOnlinePaymentStore implements OnlinePaymentStore {
  readonly payments = new Map<string, Payment>();
  readonly intents = new Map<string, IntentRef>();
  readonly refs = new Map<string, string>();
  readonly events = new Set<string>();
  readonly checkouts = new Map<string, CheckoutRecord>();
  readonly settings = new Map<string, PaymentSettings>();

  constructor(private readonly invoices: InMemoryInvoiceStore) {}

  async write(w: OnlineWrite): Promise<void> {
    const { payment, previousPayment } = w;
    const key = `${payment.accountId}/${payment.invoiceId}/${payment.id}`;
    if (w.eventId && this.events.has(`${payment.accountId}/${w.eventId}`)) throw new EventAlreadyApplied();
    const stored = this.payments.get(key);
    if (previousPayment === undefined ? stored : (stored?.version ?? 1) !== (previousPayment.version ?? 1))
      throw new VersionConflict();
    if (!previousPayment && payment.online && this.intents.has(payment.online.processor.paymentIntentId))
      throw new VersionConflict();
    const invoiceKey = `${payment.accountId}#${payment.invoiceId}`; // the in-memory invoice store's key
    if (w.invoice && this.invoices.invoices.get(invoiceKey)?.version !== w.invoice.previous.version)
      throw new VersionConflict();
    this.payments.set(key, copy(payment));
    if (!previousPayment) {
      this.refs.set(`${payment.accountId}/${payment.id}`, payment.invoiceId);
      if (payment.online)
        this.intents.set(payment.online.processor.paymentIntentId, {
          accountId: payment.accountId,
          invoiceId: payment.invoiceId,
          paymentId: payment.id,
        });
    }
    if (w.invoice) {
      this.invoices.invoices.set(invoiceKey, copy(w.invoice.next));
      this.invoices.history.push(historyEntry(w.invoice.change, w.invoice.previous, w.invoice.next));
    }
    if (w.eventId) this.events.add(`${payment.accountId}/${w.eventId}`);
  }

  async byIntent(id: string) {
    return this.intents.get(id) ?? null;
  }
  async getPayment(accountId: string, invoiceId: string, id: string) {
    const p = this.payments.get(`${accountId}/${invoiceId}/${id}`);
    return p ? copy(p) : null;
  }
  async paymentRef(accountId: string, id: string) {
    const invoiceId = this.refs.get(`${accountId}/${id}`);
    return invoiceId ? { invoiceId } : null;
  }
  async saveCheckout(r: CheckoutRecord) {
    this.checkouts.set(r.checkoutSessionId, copy(r));
  }
  async getCheckout(accountId: string, invoiceId: string, sessionId: string) {
    const c = this.checkouts.get(sessionId);
    return c && c.accountId === accountId && c.invoiceId === invoiceId ? copy(c) : null;
  }
  async openCheckouts(accountId: string, invoiceId: string) {
    return [...this.checkouts.values()].filter(
      (c) => c.accountId === accountId && c.invoiceId === invoiceId && c.status === 'open',
    );
  }
  async closeCheckout(r: CheckoutRecord) {
    this.checkouts.set(r.checkoutSessionId, { ...r, status: 'closed' });
  }
  async getPaymentSettings(accountId: string) {
    return this.settings.get(accountId) ?? null;
  }
  async savePaymentSettings(accountId: string, s: PaymentSettings, expected: number) {
    if ((this.settings.get(accountId)?.version ?? 0) !== expected) throw new VersionConflict();
    this.settings.set(accountId, copy(s));
    return s;
  }
}

/** A processor that records what it was asked; a refund fails while `failRefunds` is set. */
export class FakeProcessor implements PaymentProcessor {
  readonly name = 'stripe' as const;
  readonly checkouts: CheckoutRequest[] = [];
  readonly expired: string[] = [];
  /** Refunds made, by idempotency key: a repeated key refunds nothing more. */
  readonly refunds = new Map<string, { paymentIntentId: string; amount: number }>();
  failRefunds = false;
  /** Refunds are refused outright (ProcessorRefused), as Stripe refuses a refund it cannot make. */
  refuseRefunds = false;
  /** Holds each refund call until the test lets it go, to line two requests up. */
  holdRefunds: Promise<void> | null = null;

  async createCheckout(req: CheckoutRequest) {
    this.checkouts.push(req);
    return { id: `cs_test_${this.checkouts.length}`, url: `https://checkout.example/${this.checkouts.length}` };
  }
  async expireCheckout(_account: string, id: string) {
    this.expired.push(id);
  }
  async refund(_account: string, paymentIntentId: string, amount: number, key: string) {
    if (this.holdRefunds) await this.holdRefunds;
    if (this.failRefunds) throw new Error('processor unavailable');
    if (this.refuseRefunds) throw new ProcessorRefused('Charge has a dispute', 'charge_disputed');
    if (!this.refunds.has(key)) this.refunds.set(key, { paymentIntentId, amount });
    return { refundId: `re_${key}` };
  }
  async verifyEvent(): Promise<ProcessorEvent> {
    throw new Error('not used: the unit tests hand events in verified');
  }
}
