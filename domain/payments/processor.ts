import type { PAYMENT_METHODS } from '../shared/schemas.js';

/** A method the buyer may pay with, as the invoice offers it. */
export type OnlineMethod = (typeof PAYMENT_METHODS)[number];

/** What a hosted checkout is opened for: one invoice, one amount, on the account's connected account. */
export type CheckoutRequest = {
  connectedAccountId: string;
  accountId: string;
  invoiceId: string;
  /** Shown on the processor's page (the invoice number, or its id for an unnumbered one). */
  description: string;
  currency: string;
  amount: number;
  methods: OnlineMethod[];
  collectBillingAddress: boolean;
  /** Null: no shipping address asked for; else the countries it may be in. */
  shippingCountries: string[] | null;
  successUrl: string;
  cancelUrl: string;
  /** The processor creates one session however often this request is retried. */
  idempotencyKey: string;
};

export type CheckoutSession = { id: string; url: string };

/** A processor event, verified and reduced to what the service acts on. */
export type ProcessorEvent =
  | {
      /** `completed` with `paid: false` is an ACH debit that settles later. */
      kind: 'checkoutCompleted' | 'asyncSucceeded' | 'asyncFailed';
      eventId: string;
      connectedAccountId: string | null;
      accountId: string;
      invoiceId: string;
      checkoutSessionId: string;
      paymentIntentId: string;
      amount: number;
      currency: string;
      method: OnlineMethod;
      paid: boolean;
      occurredAt: string;
    }
  | { kind: 'refunded'; eventId: string; paymentIntentId: string; amountRefunded: number; occurredAt: string }
  | { kind: 'disputed'; eventId: string; paymentIntentId: string; occurredAt: string }
  | { kind: 'ignored'; eventId: string; type: string };

/** The signature is missing, wrong, or older than the tolerance: the event is not believed. */
export class UnverifiedEvent extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'UnverifiedEvent';
  }
}

/** The processor refused a request (a refund above what is left, a session already completed). */
export class ProcessorRefused extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'ProcessorRefused';
  }
}

/**
 * A payment processor (Stripe is the adapter shipped: functions/payments/stripe-processor.ts).
 * Every call that moves money carries an idempotency key, so a retry never moves it twice.
 */
export interface PaymentProcessor {
  readonly name: 'stripe';
  /** Opens a hosted checkout; the buyer is sent to its `url`. */
  createCheckout(req: CheckoutRequest): Promise<CheckoutSession>;
  /** Closes a checkout nobody should pay any more; one already completed or expired is left as it is. */
  expireCheckout(connectedAccountId: string, checkoutSessionId: string): Promise<void>;
  /** Refunds `amount` of a payment; the same key refunds once. */
  refund(
    connectedAccountId: string,
    paymentIntentId: string,
    amount: number,
    idempotencyKey: string,
  ): Promise<{ refundId: string }>;
  /** Verifies the raw body against its signature header (throws `UnverifiedEvent`) and reads it. */
  verifyEvent(rawBody: string, signature: string | undefined): Promise<ProcessorEvent>;
}
