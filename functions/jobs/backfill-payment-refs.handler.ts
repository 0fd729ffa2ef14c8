import { backfillPaymentRefs } from './backfill-payment-refs.js';
import { app } from '../wiring.js';

/**
 * The backfill in AWS: invoke with `{}`, then again with the `cursor` it returns until that is
 * null. Each run stops after `pages` pages (default 50), well inside a Lambda's time limit.
 */
export const handler = async (event: { cursor?: Record<string, unknown> | null; pages?: number }) => {
  const { db, config } = app();
  return backfillPaymentRefs(db, config.TABLE_NAME, { cursor: event.cursor ?? null, budget: event.pages ?? 50 });
};
