import { createHash } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import { toInstant } from '../dates/calendar.js';
import { conflict, DomainError, notFound } from '../errors.js';
import { mutate } from '../optimistic.js';
import type { Page } from '../ports.js';
import { deliveryPayload, type Delivery } from './delivery.js';
import {
  PING_EVENT,
  SECRET_OVERLAP_MS,
  subscribes,
  type WebhookEndpoint,
  type WebhookEndpointCreateInput,
  type WebhookEndpointPatchInput,
} from './webhook-endpoint.js';
import type { DeliveryMessage, WebhookDeps } from './webhook-ports.js';

/** As Stripe: a handful of endpoints per account, so the fan-out reads them all in one Query. */
export const MAX_ENDPOINTS = 16;

const now = (deps: Pick<WebhookDeps, 'clock'>) => toInstant(deps.clock.now());

async function loadEndpoint(deps: Pick<WebhookDeps, 'endpoints'>, actor: Actor, id: string) {
  const endpoint = await deps.endpoints.get(actor.accountId, id);
  if (!endpoint) throw notFound('Webhook endpoint', id);
  return endpoint;
}

/** Creates an endpoint; its secret is in the answer and nowhere else afterwards. */
export async function createEndpoint(
  deps: WebhookDeps,
  actor: Actor,
  input: WebhookEndpointCreateInput,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  await deps.guard.check(input.url);
  if ((await deps.endpoints.all(actor.accountId)).length >= MAX_ENDPOINTS)
    throw new DomainError('validation', `An account has at most ${MAX_ENDPOINTS} webhook endpoints`, [
      { path: 'url', message: `at most ${MAX_ENDPOINTS} endpoints per account` },
    ]);
  const at = now(deps);
  const secret = deps.signer.newSecret();
  const endpoint: WebhookEndpoint = {
    id: deps.ids.id('we'),
    accountId: actor.accountId,
    url: input.url,
    events: input.events,
    description: input.description ?? null,
    status: 'enabled',
    secrets: [{ secret, createdAt: at, expiresAt: null }],
    failingSince: null,
    disabledReason: null,
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
  return { endpoint: await deps.endpoints.create(endpoint), secret };
}

export const getEndpoint = (deps: WebhookDeps, actor: Actor, id: string) => loadEndpoint(deps, actor, id);

export const listEndpoints = (
  deps: WebhookDeps,
  actor: Actor,
  limit: number,
  after: string | null,
): Promise<Page<WebhookEndpoint>> => deps.endpoints.list(actor.accountId, limit, after);

export function updateEndpoint(
  deps: WebhookDeps,
  actor: Actor,
  id: string,
  input: WebhookEndpointPatchInput,
  ifMatch?: number,
): Promise<WebhookEndpoint> {
  return mutate(
    () => loadEndpoint(deps, actor, id),
    ifMatch,
    async (current) => {
      if (input.url !== undefined && input.url !== current.url) await deps.guard.check(input.url);
      const at = now(deps);
      const reenabled = input.status === 'enabled' && current.status === 'disabled';
      return deps.endpoints.replace(current, {
        ...current,
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.events !== undefined ? { events: input.events } : {}),
        ...(input.description !== undefined ? { description: input.description ?? null } : {}),
        ...(input.status !== undefined ? { status: input.status } : {}),
        // Enabled again by its owner: the failing streak starts over.
        ...(reenabled ? { failingSince: null, disabledReason: null } : {}),
        ...(input.status === 'disabled' ? { disabledReason: 'disabled by its owner' } : {}),
        version: current.version + 1,
        updatedAt: at,
      });
    },
  );
}

export async function deleteEndpoint(deps: WebhookDeps, actor: Actor, id: string, ifMatch?: number): Promise<void> {
  await mutate(
    () => loadEndpoint(deps, actor, id),
    ifMatch,
    (current) => deps.endpoints.remove(current),
  );
}

/**
 * A new signing secret; the one it replaces keeps signing, beside it, for SECRET_OVERLAP_MS, so a
 * consumer verifying with either passes while it deploys the new one. Secrets already past their
 * overlap are dropped.
 */
export function rotateSecret(
  deps: WebhookDeps,
  actor: Actor,
  id: string,
  ifMatch?: number,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  return mutate(
    () => loadEndpoint(deps, actor, id),
    ifMatch,
    async (current) => {
      const nowDate = deps.clock.now();
      const at = toInstant(nowDate);
      const overlapEnds = toInstant(new Date(nowDate.getTime() + SECRET_OVERLAP_MS));
      const secret = deps.signer.newSecret();
      const kept = current.secrets
        .filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > nowDate.getTime())
        .map((s) => ({ ...s, expiresAt: s.expiresAt ?? overlapEnds }));
      const endpoint = await deps.endpoints.replace(current, {
        ...current,
        secrets: [{ secret, createdAt: at, expiresAt: null }, ...kept],
        version: current.version + 1,
        updatedAt: at,
      });
      return { endpoint, secret };
    },
  );
}

/**
 * A delivery's id, derived from its event and endpoint: a replayed event makes the same id, so it
 * is recorded (and sent) once. It reads as a ULID of the event's time, so the log lists by time.
 */
export function deliveryId(eventId: string, endpointId: string, occurredAt: string): string {
  const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let t = Date.parse(occurredAt);
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const hash = createHash('sha256').update(`${eventId}\n${endpointId}`).digest();
  const rest = [...hash.subarray(0, 16)].map((b) => CROCKFORD[b % 32]).join('');
  return `dlv_${time}${rest}`;
}

/** An event as the fan-out takes it: what the contract publishes, and the object it is about. */
export type OutgoingEvent = { id: string; type: string; accountId: string; occurredAt: string };

function newDelivery(endpoint: WebhookEndpoint, event: OutgoingEvent, object: unknown, at: string): Delivery {
  return {
    id: deliveryId(event.id, endpoint.id, event.occurredAt),
    accountId: endpoint.accountId,
    endpointId: endpoint.id,
    eventId: event.id,
    eventType: event.type,
    payload: deliveryPayload({
      id: event.id,
      type: event.type,
      createdAt: event.occurredAt,
      accountId: event.accountId,
      object,
    }),
    status: 'pending',
    mode: 'automatic',
    attempts: [],
    nextRetryAt: at,
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * Published events become deliveries: one per event and subscribed endpoint, recorded in the log
 * and put on the queue. Nothing is sent here, so a slow endpoint never holds up the caller (the
 * stream consumer that also renders PDFs). Safe to repeat: a delivery already recorded is not
 * recorded again, and is queued again only if it was never attempted (the first run stopped
 * between recording and queueing).
 */
export async function fanOut(
  deps: Pick<WebhookDeps, 'endpoints' | 'deliveries' | 'queue' | 'clock'>,
  events: OutgoingEvent[],
  objectOf: (event: OutgoingEvent) => Promise<unknown>,
): Promise<number> {
  const byAccount = new Map<string, WebhookEndpoint[]>();
  const messages: DeliveryMessage[] = [];
  for (const event of events) {
    let endpoints = byAccount.get(event.accountId);
    if (!endpoints) byAccount.set(event.accountId, (endpoints = await deps.endpoints.all(event.accountId)));
    const subscribed = endpoints.filter((e) => subscribes(e, event.type));
    if (subscribed.length === 0) continue;
    const object = await objectOf(event);
    const at = now(deps);
    for (const endpoint of subscribed) {
      const delivery = newDelivery(endpoint, event, object, at);
      const created = await deps.deliveries.create(delivery);
      const stored = created ? delivery : await deps.deliveries.get(delivery.accountId, endpoint.id, delivery.id);
      if (created || (stored?.status === 'pending' && stored.attempts.length === 0))
        messages.push({ accountId: delivery.accountId, endpointId: endpoint.id, deliveryId: delivery.id });
    }
  }
  if (messages.length) await deps.queue.enqueue(messages);
  return messages.length;
}

/** `POST /webhook-endpoints/{id}/test`: a `ping` event, delivered like any other. */
export async function sendTestPing(deps: WebhookDeps, actor: Actor, id: string): Promise<Delivery> {
  const endpoint = await loadEndpoint(deps, actor, id);
  const at = now(deps);
  const event: OutgoingEvent = { id: deps.ids.id('evt'), type: PING_EVENT, accountId: actor.accountId, occurredAt: at };
  const delivery = newDelivery(endpoint, event, { endpointId: endpoint.id, url: endpoint.url, sentAt: at }, at);
  await deps.deliveries.create(delivery);
  await deps.queue.enqueue([{ accountId: actor.accountId, endpointId: endpoint.id, deliveryId: delivery.id }]);
  return delivery;
}

export async function listDeliveries(
  deps: WebhookDeps,
  actor: Actor,
  endpointId: string,
  limit: number,
  after: string | null,
): Promise<Page<Delivery>> {
  await loadEndpoint(deps, actor, endpointId);
  return deps.deliveries.list(actor.accountId, endpointId, limit, after);
}

/** One more attempt of a delivery now (the same body and `webhook-id`); 409 while one is pending. */
export async function retryDelivery(
  deps: WebhookDeps,
  actor: Actor,
  endpointId: string,
  id: string,
): Promise<Delivery> {
  await loadEndpoint(deps, actor, endpointId);
  const delivery = await deps.deliveries.get(actor.accountId, endpointId, id);
  if (!delivery) throw notFound('Delivery', id);
  const at = now(deps);
  if (delivery.status === 'pending' || !(await deps.deliveries.requeue(delivery, at)))
    throw conflict('This delivery is pending: its next attempt is already scheduled', { status: 'pending' });
  await deps.queue.enqueue([{ accountId: actor.accountId, endpointId, deliveryId: id }]);
  return { ...delivery, status: 'pending', mode: 'manual', nextRetryAt: at, updatedAt: at };
}
