import type { OnlineDeps } from '../domain/payments/online-payments.js';
import type { PaymentProcessor } from '../domain/payments/processor.js';
import { DynamoInvoiceStore } from './dynamodb/invoice-store.js';
import { DynamoOnlinePaymentStore } from './dynamodb/online-payment-store.js';
import { stripeSecretsLoader } from './payments/processor-loader.js';
import { app } from './wiring.js';
import type { Env } from './config/env.js';

/**
 * The online payment adapters: the payment items' store and the processor, whose keys are read
 * on first use (once per cold start), so a function that never calls Stripe never reads them.
 */
export function wirePayments(): OnlineDeps {
  const { config, db, deps } = app();
  const processor: PaymentProcessor = stripeSecretsLoader(config);
  // Locally (the emulator's URL is set) every account starts connected to a test account.
  const autoconnect = config.STRIPE_API_BASE !== undefined && config.PAYMENTS_AUTOCONNECT !== '0';
  return {
    invoices: deps.invoices,
    settings: deps.settings,
    clock: deps.clock,
    ids: deps.ids,
    online: new DynamoOnlinePaymentStore(db, config.TABLE_NAME, new DynamoInvoiceStore(db, config.TABLE_NAME)),
    processor,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    defaultConnection: autoconnect ? (accountId) => `acct_test_${accountId.replace(/[^A-Za-z0-9]/g, '')}` : null,
  };
}

/** Where the processor's hosted checkout lives: Stripe's, or locally the emulator's. */
export const checkoutOrigin = (config: Env): string =>
  config.STRIPE_API_BASE ? new URL(config.STRIPE_API_BASE).origin : 'https://checkout.stripe.com';

let wired: OnlineDeps | undefined;
export const payments = () => (wired ??= wirePayments());
