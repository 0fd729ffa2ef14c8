import Stripe from 'stripe';
import {
  ProcessorRefused,
  UnverifiedEvent,
  type CheckoutRequest,
  type CheckoutSession,
  type PaymentProcessor,
  type ProcessorEvent,
} from '../../domain/payments/processor.js';

/** Stripe's default, stated: an event signed more than 5 minutes ago is refused (replays). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export type StripeConfig = {
  secretKey: string;
  webhookSecret: string;
  /** Locally the processor emulator (`http://127.0.0.1:12111`); unset in AWS (api.stripe.com). */
  apiBase?: string | undefined;
};

const METHOD_TYPES = { card: 'card', ach: 'us_bank_account' } as const;

const instant = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

const idOf = (v: string | { id: string } | null | undefined): string | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? v : v.id;

/**
 * The payment processor port on the official Stripe SDK: Checkout Sessions in payment mode on the
 * account's connected account (`Stripe-Account`), refunds, and webhook verification with the SDK's
 * own `constructEvent`. The same code runs against the local emulator: only host, port and
 * protocol differ.
 */
export class StripeProcessor implements PaymentProcessor {
  readonly name = 'stripe' as const;
  private readonly stripe: Stripe;

  constructor(private readonly config: StripeConfig) {
    const base = config.apiBase ? new URL(config.apiBase) : null;
    this.stripe = new Stripe(config.secretKey, {
      maxNetworkRetries: 2,
      timeout: 20_000,
      ...(base
        ? {
            host: base.hostname,
            port: base.port || (base.protocol === 'https:' ? 443 : 80),
            protocol: base.protocol === 'https:' ? 'https' : 'http',
          }
        : {}),
    });
  }

  async createCheckout(req: CheckoutRequest): Promise<CheckoutSession> {
    const metadata = { accountId: req.accountId, invoiceId: req.invoiceId };
    const session = await this.call(() =>
      this.stripe.checkout.sessions.create(
        {
          mode: 'payment',
          // The methods the invoice offers, as a filter on those the connected account has turned on.
          allowed_payment_method_types: req.methods.map((m) => METHOD_TYPES[m]),
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: req.currency.toLowerCase(),
                unit_amount: req.amount,
                product_data: { name: req.description },
              },
            },
          ],
          billing_address_collection: req.collectBillingAddress ? 'required' : 'auto',
          ...(req.shippingCountries
            ? {
                shipping_address_collection: {
                  allowed_countries:
                    req.shippingCountries as Stripe.Checkout.SessionCreateParams.ShippingAddressCollection.AllowedCountry[],
                },
              }
            : {}),
          client_reference_id: req.invoiceId,
          metadata,
          // The payment intent carries the invoice too, so its charges, refunds and disputes name it.
          payment_intent_data: { metadata },
          success_url: req.successUrl,
          cancel_url: req.cancelUrl,
        },
        { stripeAccount: req.connectedAccountId, idempotencyKey: req.idempotencyKey },
      ),
    );
    if (!session.url) throw new Error(`Stripe returned checkout session ${session.id} without a URL`);
    return { id: session.id, url: session.url };
  }

  async expireCheckout(connectedAccountId: string, checkoutSessionId: string): Promise<void> {
    const session = await this.stripe.checkout.sessions.retrieve(
      checkoutSessionId,
      {},
      { stripeAccount: connectedAccountId },
    );
    if (session.status !== 'open') return;
    try {
      await this.stripe.checkout.sessions.expire(checkoutSessionId, {}, { stripeAccount: connectedAccountId });
    } catch (e) {
      // Completed between the read and the expiry: the payment that lands is refunded automatically.
      if (!(e instanceof Stripe.errors.StripeInvalidRequestError)) throw e;
    }
  }

  async refund(
    connectedAccountId: string,
    paymentIntentId: string,
    amount: number,
    idempotencyKey: string,
  ): Promise<{ refundId: string }> {
    const refund = await this.call(() =>
      this.stripe.refunds.create(
        { payment_intent: paymentIntentId, amount },
        { stripeAccount: connectedAccountId, idempotencyKey },
      ),
    );
    return { refundId: refund.id };
  }

  async verifyEvent(rawBody: string, signature: string | undefined): Promise<ProcessorEvent> {
    if (!signature) throw new UnverifiedEvent('The Stripe-Signature header is missing');
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(
        rawBody,
        signature,
        this.config.webhookSecret,
        WEBHOOK_TOLERANCE_SECONDS,
      );
    } catch (e) {
      throw new UnverifiedEvent(e instanceof Error ? e.message : 'The signature does not verify');
    }
    return toProcessorEvent(event);
  }

  /** Stripe's refusals (4xx) become the port's; anything else (network, 5xx) stays an outage. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof Stripe.errors.StripeInvalidRequestError || e instanceof Stripe.errors.StripeCardError) {
        throw new ProcessorRefused(e.message, e.code);
      }
      throw e;
    }
  }
}

/** What the service acts on, from a verified Stripe event. */
export function toProcessorEvent(event: Stripe.Event): ProcessorEvent {
  const occurredAt = instant(event.created);
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
    case 'checkout.session.async_payment_failed': {
      const session = event.data.object;
      const paymentIntentId = idOf(session.payment_intent);
      const { accountId, invoiceId } = session.metadata ?? {};
      if (!paymentIntentId || !accountId || !invoiceId || session.mode !== 'payment')
        return { kind: 'ignored', eventId: event.id, type: event.type };
      const kind =
        event.type === 'checkout.session.completed'
          ? 'checkoutCompleted'
          : event.type === 'checkout.session.async_payment_succeeded'
            ? 'asyncSucceeded'
            : 'asyncFailed';
      // Card settles at once; of the two methods offered only a bank debit completes unpaid.
      const async = kind !== 'checkoutCompleted' || session.payment_status === 'unpaid';
      return {
        kind,
        eventId: event.id,
        connectedAccountId: event.account ?? null,
        accountId,
        invoiceId,
        checkoutSessionId: session.id,
        paymentIntentId,
        amount: session.amount_total ?? 0,
        currency: session.currency ?? 'usd',
        method: async ? 'ach' : 'card',
        paid: session.payment_status === 'paid' || session.payment_status === 'no_payment_required',
        occurredAt,
      };
    }
    case 'charge.refunded': {
      const charge = event.data.object;
      const paymentIntentId = idOf(charge.payment_intent);
      if (!paymentIntentId) return { kind: 'ignored', eventId: event.id, type: event.type };
      return {
        kind: 'refunded',
        eventId: event.id,
        paymentIntentId,
        amountRefunded: charge.amount_refunded,
        occurredAt,
      };
    }
    case 'charge.dispute.created': {
      const paymentIntentId = idOf(event.data.object.payment_intent);
      if (!paymentIntentId) return { kind: 'ignored', eventId: event.id, type: event.type };
      return { kind: 'disputed', eventId: event.id, paymentIntentId, occurredAt };
    }
    default:
      return { kind: 'ignored', eventId: event.id, type: event.type };
  }
}
