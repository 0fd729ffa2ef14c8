import type { PaymentProcessor } from '../../domain/payments/processor.js';
import type { Env } from '../config/env.js';
import { stripeConfig } from './stripe-secrets.js';
import type { StripeProcessor } from './stripe-processor.js';

/** The Stripe processor, built (and its SDK loaded) on first use from its keys; a failed build is tried again next time. */
export function stripeSecretsLoader(config: Env): PaymentProcessor {
  let built: Promise<StripeProcessor> | undefined;
  const get = () => {
    if (!built) {
      // The SDK loads with the keys, on the first call that needs the processor.
      const attempt = Promise.all([stripeConfig(config), import('./stripe-processor.js')]).then(
        ([c, { StripeProcessor }]) => new StripeProcessor(c),
      );
      built = attempt;
      attempt.catch(() => {
        if (built === attempt) built = undefined;
      });
    }
    return built;
  };
  return {
    name: 'stripe',
    createCheckout: async (req) => (await get()).createCheckout(req),
    expireCheckout: async (account, id) => (await get()).expireCheckout(account, id),
    refund: async (account, pi, amount, key) => (await get()).refund(account, pi, amount, key),
    verifyEvent: async (body, signature) => (await get()).verifyEvent(body, signature),
  };
}
