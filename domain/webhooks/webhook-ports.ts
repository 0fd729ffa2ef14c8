import type { Clock, IdGenerator, Page } from '../ports.js';
import type { Delivery, DeliveryAttempt, SendOutcome } from './delivery.js';
import type { WebhookEndpoint } from './webhook-endpoint.js';

/**
 * An account's webhook endpoints. Writes are conditional on the version (a lost race is a
 * `VersionConflict`); `all` reads every endpoint of an account at once (they are few: at most
 * MAX_ENDPOINTS), strongly consistent, for the fan-out.
 */
export interface WebhookEndpointStore {
  get(accountId: string, id: string): Promise<WebhookEndpoint | null>;
  create(endpoint: WebhookEndpoint): Promise<WebhookEndpoint>;
  replace(previous: WebhookEndpoint, next: WebhookEndpoint): Promise<WebhookEndpoint>;
  remove(endpoint: WebhookEndpoint): Promise<void>;
  list(accountId: string, limit: number, cursor: string | null): Promise<Page<WebhookEndpoint>>;
  all(accountId: string): Promise<WebhookEndpoint[]>;
  /**
   * The delivery bookkeeping (since when it fails, disabled after days of it): no new version, as
   * it is the service's observation, not the owner's edit. Returns the endpoint as it now stands.
   */
  recordOutcome(endpoint: WebhookEndpoint, ok: boolean, now: string): Promise<void>;
}

/**
 * The delivery log. `create` is idempotent (false when the delivery exists: a replayed event);
 * `recordAttempt` appends only if the delivery is still pending with the attempts it had when read,
 * so a duplicate queue message cannot record (or schedule) an attempt twice.
 */
export interface DeliveryStore {
  create(delivery: Delivery): Promise<boolean>;
  get(accountId: string, endpointId: string, id: string): Promise<Delivery | null>;
  list(accountId: string, endpointId: string, limit: number, cursor: string | null): Promise<Page<Delivery>>;
  recordAttempt(
    delivery: Delivery,
    attempt: DeliveryAttempt,
    status: Delivery['status'],
    nextRetryAt: string | null,
  ): Promise<boolean>;
  /** Makes a finished delivery pending again for one manual attempt; false if it is pending already. */
  requeue(delivery: Delivery, now: string): Promise<boolean>;
}

/** What a queue message names: the delivery to attempt. */
export type DeliveryMessage = { accountId: string; endpointId: string; deliveryId: string };

/** The queue of deliveries (SQS in AWS, an in-process queue locally), drained by the delivery function. */
export interface DeliveryQueue {
  enqueue(messages: DeliveryMessage[]): Promise<void>;
}

/**
 * Refuses a URL a webhook must not reach (a DomainError naming `url`): not https (loopback http
 * aside, where allowed), or a host resolving to a loopback, private, link-local, CGNAT, multicast or
 * metadata address.
 */
export interface UrlGuard {
  check(url: string): Promise<void>;
}

/** POSTs a signed body: checks the URL again (DNS may have changed), follows no redirect, gives up at the timeout. */
export interface WebhookSender {
  send(url: string, headers: Record<string, string>, body: string): Promise<SendOutcome>;
}

/**
 * The Standard Webhooks headers for a body, signed with each secret (space-separated signatures).
 * Asynchronous so an adapter may load its library with the first signature.
 */
export interface WebhookSigner {
  headers(secrets: string[], messageId: string, at: Date, body: string): Promise<Record<string, string>>;
  newSecret(): string;
}

export type WebhookDeps = {
  endpoints: WebhookEndpointStore;
  deliveries: DeliveryStore;
  queue: DeliveryQueue;
  guard: UrlGuard;
  signer: WebhookSigner;
  clock: Clock;
  ids: IdGenerator;
};

export type DeliveryDeps = Pick<WebhookDeps, 'endpoints' | 'deliveries' | 'signer' | 'clock'> & {
  sender: WebhookSender;
  retrySeconds: readonly number[];
};
