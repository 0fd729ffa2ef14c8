import type { EventPublisher, InvoiceEvent } from '../../domain/events/invoice-events.js';

/**
 * Publishes to the bus (or the local events log), then turns the same events into webhook
 * deliveries on the queue. Only queue messages are written here, never a request to an endpoint,
 * so the stream consumer (which renders PDFs) is not held up by any consumer's server. A failure of
 * either fails the record, which is retried; both steps are idempotent per event.
 */
export function withWebhooks(
  bus: EventPublisher,
  fanOut: (events: InvoiceEvent[]) => Promise<unknown>,
): EventPublisher {
  return {
    async publish(events) {
      await bus.publish(events);
      await fanOut(events);
    },
  };
}
