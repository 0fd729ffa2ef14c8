import { VersionConflict, type Page } from '../../domain/ports.js';
import type { Delivery, DeliveryAttempt, SendOutcome } from '../../domain/webhooks/delivery.js';
import { DISABLE_AFTER_FAILING_MS, type WebhookEndpoint } from '../../domain/webhooks/webhook-endpoint.js';
import type {
  DeliveryMessage,
  DeliveryStore,
  WebhookEndpointStore,
  WebhookSender,
  WebhookSigner,
} from '../../domain/webhooks/webhook-ports.js';

const copy = <T>(x: T): T => structuredClone(x);

/** The webhook ports in memory, with the DynamoDB adapters' conditions (versions, pending, attempt count). */
export class InMemoryEndpoints implements WebhookEndpointStore {
  readonly items = new Map<string, WebhookEndpoint>();
  async get(accountId: string, id: string) {
    const e = this.items.get(id);
    return e && e.accountId === accountId ? copy(e) : null;
  }
  async create(e: WebhookEndpoint) {
    this.items.set(e.id, copy(e));
    return e;
  }
  async replace(prev: WebhookEndpoint, next: WebhookEndpoint) {
    if (this.items.get(prev.id)?.version !== prev.version) throw new VersionConflict();
    this.items.set(next.id, copy(next));
    return next;
  }
  async remove(e: WebhookEndpoint) {
    this.items.delete(e.id);
  }
  async list(accountId: string, limit: number): Promise<Page<WebhookEndpoint>> {
    return { items: (await this.all(accountId)).slice(0, limit), next: null };
  }
  async all(accountId: string) {
    return [...this.items.values()].filter((e) => e.accountId === accountId).map(copy);
  }
  async recordOutcome(e: WebhookEndpoint, ok: boolean, now: string) {
    const stored = this.items.get(e.id);
    if (!stored) return;
    if (ok) stored.failingSince = null;
    else if (stored.failingSince === null) stored.failingSince = now;
    else if (Date.parse(now) - Date.parse(stored.failingSince) >= DISABLE_AFTER_FAILING_MS) {
      stored.status = 'disabled';
      stored.disabledReason = `every delivery failed since ${stored.failingSince}`;
    }
  }
}

export class InMemoryDeliveries implements DeliveryStore {
  readonly items = new Map<string, Delivery>();
  async create(d: Delivery) {
    if (this.items.has(d.id)) return false;
    this.items.set(d.id, copy(d));
    return true;
  }
  async get(accountId: string, endpointId: string, id: string) {
    const d = this.items.get(id);
    return d && d.accountId === accountId && d.endpointId === endpointId ? copy(d) : null;
  }
  async list(accountId: string, endpointId: string, limit: number): Promise<Page<Delivery>> {
    const all = [...this.items.values()].filter((d) => d.accountId === accountId && d.endpointId === endpointId);
    return { items: all.slice(0, limit).map(copy), next: null };
  }
  async recordAttempt(d: Delivery, attempt: DeliveryAttempt, status: Delivery['status'], nextRetryAt: string | null) {
    const stored = this.items.get(d.id);
    if (!stored || stored.status !== 'pending' || stored.attempts.length !== d.attempts.length) return false;
    stored.attempts.push(attempt);
    stored.status = status;
    stored.nextRetryAt = nextRetryAt;
    return true;
  }
  async requeue(d: Delivery, now: string) {
    const stored = this.items.get(d.id);
    if (!stored || stored.status === 'pending') return false;
    Object.assign(stored, { status: 'pending', mode: 'manual', nextRetryAt: now, updatedAt: now });
    return true;
  }
}

export class RecordingQueue {
  readonly messages: DeliveryMessage[] = [];
  async enqueue(m: DeliveryMessage[]) {
    this.messages.push(...m);
  }
}

/** A sender that answers from a script of statuses (null: a network error), recording what it was asked. */
export class ScriptedSender implements WebhookSender {
  readonly sent: { url: string; headers: Record<string, string>; body: string }[] = [];
  constructor(private readonly statuses: (number | null)[]) {}
  async send(url: string, headers: Record<string, string>, body: string): Promise<SendOutcome> {
    this.sent.push({ url, headers, body });
    const status = this.statuses.length ? this.statuses.shift()! : 200;
    return { statusCode: status, error: status === null ? 'request failed' : null, durationMs: 1, responseBody: '' };
  }
}

/** Signs with the secrets' names, so a test can see which secrets signed. */
export const namedSigner: WebhookSigner = {
  headers: async (secrets, id) => ({ 'webhook-id': id, 'webhook-signature': secrets.join(' ') }),
  newSecret: (() => {
    let n = 0;
    return () => `whsec_${++n}`;
  })(),
};
