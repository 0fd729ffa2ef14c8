import { toInstant } from '../dates/calendar.js';
import { delivered, retryDelay, type DeliveryAttempt, type SendOutcome } from './delivery.js';
import { DISABLE_AFTER_FAILING_MS, signingSecrets } from './webhook-endpoint.js';
import type { DeliveryDeps, DeliveryMessage } from './webhook-ports.js';

/** What the queue should do with the message: drop it, or show it again after a delay. */
export type AttemptResult = { retryInSeconds: number } | 'done';

/**
 * One attempt of a queued delivery: sign the stored body with the endpoint's secrets (the current
 * one and any in its rotation overlap), POST it, log the attempt. A failed automatic attempt
 * asks the queue to show the message again after the schedule's next delay; after the last, the
 * delivery is failed. A message whose delivery is no longer pending (a duplicate, or already
 * finished) is dropped without a request.
 */
export async function attemptDelivery(deps: DeliveryDeps, message: DeliveryMessage): Promise<AttemptResult> {
  // Read together (one request where the store batches): the endpoint is needed unless the delivery is done.
  const [delivery, endpoint] = await Promise.all([
    deps.deliveries.get(message.accountId, message.endpointId, message.deliveryId),
    deps.endpoints.get(message.accountId, message.endpointId),
  ]);
  if (!delivery || delivery.status !== 'pending') return 'done';
  const started = deps.clock.now();
  const number = delivery.attempts.length + 1;
  let outcome: SendOutcome;
  if (!endpoint || endpoint.status === 'disabled') {
    outcome = {
      statusCode: null,
      error: endpoint ? 'the endpoint is disabled' : 'the endpoint was deleted',
      durationMs: 0,
      responseBody: null,
    };
  } else {
    const headers = await deps.signer.headers(
      signingSecrets(endpoint, started),
      delivery.eventId,
      started,
      delivery.payload,
    );
    outcome = await deps.sender.send(endpoint.url, headers, delivery.payload);
  }
  const ok = delivered(outcome);
  const gone = !endpoint || endpoint.status === 'disabled';
  const countsAutomatic = delivery.attempts.length + 1;
  const delay = ok || gone || delivery.mode === 'manual' ? null : retryDelay(deps.retrySeconds, countsAutomatic);
  const at = toInstant(started);
  const nextRetryAt = delay === null ? null : toInstant(new Date(started.getTime() + delay * 1000));
  const attempt: DeliveryAttempt = { attempt: number, at, ...outcome, nextRetryAt };
  const status = ok ? 'succeeded' : delay === null ? 'failed' : 'pending';
  const recorded = await deps.deliveries.recordAttempt(delivery, attempt, status, nextRetryAt);
  if (!recorded) return 'done'; // another copy of the message got there first and decides what follows
  if (
    endpoint &&
    !gone &&
    (ok
      ? endpoint.failingSince !== null
      : endpoint.failingSince === null || failingTooLong(endpoint.failingSince, started))
  )
    await deps.endpoints.recordOutcome(endpoint, ok, at);
  return delay === null ? 'done' : { retryInSeconds: delay };
}

const failingTooLong = (since: string, now: Date) => now.getTime() - Date.parse(since) >= DISABLE_AFTER_FAILING_MS;
