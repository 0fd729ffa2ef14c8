import { randomUUID } from 'node:crypto';
import type { DeliveryMessage, DeliveryQueue } from '../../domain/webhooks/webhook-ports.js';

/** A message as the local queue holds it: SQS's visibility, receive count and receipt handle. */
export type QueuedMessage = {
  messageId: string;
  body: string;
  visibleAt: number;
  receiveCount: number;
  receiptHandle: string | null;
  sentAt: number;
  /** FIFO's message group: one message of a group in flight at a time, in the order sent. */
  group?: string;
};

/** How long a FIFO queue drops a message whose deduplication id it has seen (SQS: five minutes). */
const DEDUPLICATION_MS = 5 * 60_000;

/**
 * Locally, the queue of deliveries lives in the process that runs the API and the stream handler
 * (the local runtime, or a test): the same handler drains it through infra/local/delivery-poller.ts
 * with SQS's semantics (a received message is invisible until deleted or its visibility ends; the
 * handler can change that visibility to schedule a retry). Messages are not kept across restarts:
 * the delivery log keeps what was pending.
 */
export class InProcessQueue implements DeliveryQueue {
  readonly messages = new Map<string, QueuedMessage>();
  private listeners = new Set<() => void>();
  private readonly seen = new Map<string, number>();

  async enqueue(messages: DeliveryMessage[]): Promise<void> {
    this.send(messages.map((m) => ({ body: JSON.stringify(m) })));
  }

  /**
   * Sends raw bodies. With a `group`, the queue behaves as SQS FIFO for it (one message of the
   * group received at a time, in order); a `dedupId` seen in the last five minutes is dropped.
   */
  send(messages: { body: string; group?: string; dedupId?: string }[]): void {
    const now = Date.now();
    for (const [id, at] of this.seen) if (at < now - DEDUPLICATION_MS) this.seen.delete(id);
    for (const m of messages) {
      if (m.dedupId !== undefined) {
        if (this.seen.has(m.dedupId)) continue;
        this.seen.set(m.dedupId, now);
      }
      const messageId = randomUUID();
      this.messages.set(messageId, {
        messageId,
        body: m.body,
        visibleAt: now,
        receiveCount: 0,
        receiptHandle: null,
        sentAt: now,
        ...(m.group !== undefined ? { group: m.group } : {}),
      });
    }
    for (const l of this.listeners) l();
  }

  /** Up to `max` visible messages, made invisible for `visibilitySeconds`, each with a new receipt handle. */
  receive(max: number, visibilitySeconds: number): QueuedMessage[] {
    const now = Date.now();
    const out: QueuedMessage[] = [];
    // A group whose first message is in flight (or was passed over) yields nothing more: FIFO order.
    const held = new Set<string>();
    for (const m of this.messages.values()) {
      if (out.length >= max) break;
      if (m.group !== undefined && held.has(m.group)) continue;
      if (m.visibleAt > now) {
        if (m.group !== undefined) held.add(m.group);
        continue;
      }
      m.visibleAt = now + visibilitySeconds * 1000;
      m.receiveCount++;
      m.receiptHandle = randomUUID();
      out.push(m);
    }
    return out;
  }

  changeVisibility(receiptHandle: string, seconds: number): void {
    for (const m of this.messages.values())
      if (m.receiptHandle === receiptHandle) m.visibleAt = Date.now() + seconds * 1000;
  }

  delete(messageId: string): void {
    this.messages.delete(messageId);
  }

  /** When the next invisible message shows again (null: none waiting). */
  nextVisibleAt(): number | null {
    let next: number | null = null;
    for (const m of this.messages.values()) if (next === null || m.visibleAt < next) next = m.visibleAt;
    return next;
  }

  onMessage(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * The one queue of that name in this process, shared by the handlers that fill it and the poller
 * that drains it: the webhook deliveries (the default), the render jobs.
 */
export function inProcessQueue(name: 'webhook-delivery' | 'render' = 'webhook-delivery'): InProcessQueue {
  const key = Symbol.for(`invoice-service.${name}-queue`);
  const g = globalThis as { [key: symbol]: InProcessQueue | undefined };
  return (g[key] ??= new InProcessQueue());
}
