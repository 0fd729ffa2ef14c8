import type { OnlineDeps } from '../domain/payments/online-payments.js';
import type { PaymentSettingsDeps } from '../domain/payments/payment-settings.js';
import type { PaymentProcessor } from '../domain/payments/processor.js';
import { DynamoInvoiceStore } from './dynamodb/invoice-store.js';
import { DynamoOnlinePaymentStore } from './dynamodb/online-payment-store.js';
import { stripeSecretsLoader } from './payments/processor-loader.js';
import { app, perProcess, systemClock } from './wiring.js';
import type { Env } from './config/env.js';

/**
 * What reading an account's payment settings takes: the payment items' store and, locally, the
 * test connection every account starts with. The buyer page needs no more (is Pay offered?).
 */
export const paymentSettings = /* @__PURE__ */ perProcess(({ config, db }) => {
  // Locally (the emulator's URL is set) every account starts connected to a test account.
  const autoconnect = config.STRIPE_API_BASE !== undefined && config.PAYMENTS_AUTOCONNECT !== '0';
  return {
    online: new DynamoOnlinePaymentStore(db, config.TABLE_NAME, new DynamoInvoiceStore(db, config.TABLE_NAME)),
    clock: systemClock,
    defaultConnection: autoconnect
      ? (accountId: string) => `acct_test_${accountId.replace(/[^A-Za-z0-9]/g, '')}`
      : null,
  } satisfies PaymentSettingsDeps;
});

/**
 * The online payment adapters: the payment items' store and the processor, whose keys are read
 * on first use (once per cold start), so a function that never calls Stripe never reads them.
 */
export function wirePayments(): OnlineDeps {
  const { config, deps } = app();
  const processor: PaymentProcessor = stripeSecretsLoader(config);
  return {
    ...paymentSettings(),
    invoices: deps.invoices,
    settings: deps.settings,
    clock: deps.clock,
    ids: deps.ids,
    processor,
    publicBaseUrl: config.PUBLIC_BASE_URL,
  };
}

/** Where the processor's hosted checkout lives: Stripe's, or locally the emulator's. */
export const checkoutOrigin = (config: Env): string =>
  config.STRIPE_API_BASE ? new URL(config.STRIPE_API_BASE).origin : 'https://checkout.stripe.com';

/** For the payments function and the stream consumer (which expires open checkouts). */
export const payments = /* @__PURE__ */ perProcess(() => wirePayments());
