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
};

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

  async enqueue(messages: DeliveryMessage[]): Promise<void> {
    const now = Date.now();
    for (const m of messages) {
      const messageId = randomUUID();
      this.messages.set(messageId, {
        messageId,
        body: JSON.stringify(m),
        visibleAt: now,
        receiveCount: 0,
        receiptHandle: null,
        sentAt: now,
      });
    }
    for (const l of this.listeners) l();
  }

  /** Up to `max` visible messages, made invisible for `visibilitySeconds`, each with a new receipt handle. */
  receive(max: number, visibilitySeconds: number): QueuedMessage[] {
    const now = Date.now();
    const out: QueuedMessage[] = [];
    for (const m of this.messages.values()) {
      if (out.length >= max) break;
      if (m.visibleAt > now) continue;
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

const KEY = Symbol.for('invoice-service.webhook-delivery-queue');

/** The one queue of this process, shared by the API and stream handlers that fill it and the poller that drains it. */
export function inProcessQueue(): InProcessQueue {
  const g = globalThis as { [KEY]?: InProcessQueue };
  return (g[KEY] ??= new InProcessQueue());
}
