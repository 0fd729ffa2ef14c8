import type { Env } from '../config/env.js';
import type { StripeConfig } from './stripe-processor.js';

/** The secret's shape in Secrets Manager: one JSON secret with both values. */
type StoredStripeSecret = { secretKey: string; webhookSecret: string };

/**
 * Stripe's keys: locally from the environment (the emulator's test key and signing secret); in AWS
 * from Secrets Manager through Powertools Parameters, read once per cold start (cached for the
 * life of the process) and never logged or put in the template.
 */
export async function stripeConfig(config: Env): Promise<StripeConfig> {
  if (config.STRIPE_SECRET_KEY && config.STRIPE_WEBHOOK_SECRET) {
    return {
      secretKey: config.STRIPE_SECRET_KEY,
      webhookSecret: config.STRIPE_WEBHOOK_SECRET,
      apiBase: config.STRIPE_API_BASE,
    };
  }
  if (!config.STRIPE_SECRET_ARN) {
    throw new Error('Set STRIPE_SECRET_ARN (or STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET locally): no Stripe keys');
  }
  const { getSecret } = await import('@aws-lambda-powertools/parameters/secrets');
  const secret = (await getSecret<StoredStripeSecret>(config.STRIPE_SECRET_ARN, {
    transform: 'json',
    maxAge: 365 * 24 * 3600,
  })) as StoredStripeSecret | undefined;
  if (!secret?.secretKey || !secret.webhookSecret) {
    throw new Error('The Stripe secret must hold JSON { secretKey, webhookSecret }');
  }
  return { secretKey: secret.secretKey, webhookSecret: secret.webhookSecret, apiBase: config.STRIPE_API_BASE };
}
