/** One POST of a delivery to its endpoint, as the delivery log shows it. */
export type DeliveryAttempt = {
  attempt: number;
  at: string;
  /** The endpoint's HTTP status, or null when there was none (timeout, refused address, network). */
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** The start of the endpoint's answer, at most RESPONSE_BODY_BYTES of it. */
  responseBody: string | null;
  /** When the next attempt is due (null: none, it succeeded or the schedule is spent). */
  nextRetryAt: string | null;
};

/**
 * One event for one endpoint. The body is fixed at creation, so every attempt (automatic or a
 * manual retry) sends the same bytes under the same `webhook-id`: a consumer dedupes on it.
 */
export type Delivery = {
  id: string;
  accountId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  payload: string;
  status: 'pending' | 'succeeded' | 'failed';
  /** A manual retry is one attempt: when it fails, the delivery is failed again without a schedule. */
  mode: 'automatic' | 'manual';
  attempts: DeliveryAttempt[];
  nextRetryAt: string | null;
  createdAt: string;
  updatedAt: string;
};

/** What the delivery log keeps of an endpoint's answer. */
export const RESPONSE_BODY_BYTES = 1024;

/** Any 2xx within this is delivered; anything slower is a failed attempt. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/** The contract's default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (seven retries after the first attempt). */
export const DEFAULT_RETRY_SECONDS = [5, 300, 1800, 7200, 18000, 36000, 36000];

/**
 * The delay before the retry that follows automatic attempt `attempt` (1-based), or null when the
 * schedule is spent. Delays are whole seconds: queue delays and visibility timeouts are.
 */
export function retryDelay(schedule: readonly number[], attempt: number): number | null {
  const d = schedule[attempt - 1];
  return d === undefined ? null : d;
}

/** WEBHOOK_RETRY_SECONDS: a comma list of whole seconds (at most 12 h each, SQS's visibility limit). */
export function parseRetrySchedule(text: string | undefined): number[] {
  if (text === undefined || text.trim() === '') return DEFAULT_RETRY_SECONDS;
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.some((n) => !Number.isInteger(n) || n < 0 || n > 43_200))
    throw new Error('WEBHOOK_RETRY_SECONDS must be a comma list of whole seconds from 0 to 43200');
  return parts;
}

/** What the sender reports of one POST. */
export type SendOutcome = {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  responseBody: string | null;
};

export const delivered = (o: SendOutcome) => o.statusCode !== null && o.statusCode >= 200 && o.statusCode < 300;

/** The body of every delivery: the contract's envelope around the object as the API shows it. */
export function deliveryPayload(event: {
  id: string;
  type: string;
  createdAt: string;
  accountId: string;
  object: unknown;
}): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    createdAt: event.createdAt,
    accountId: event.accountId,
    data: { object: event.object },
  });
}
