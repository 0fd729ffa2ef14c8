import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventPublisher, InvoiceEvent } from '../../domain/events/invoice-events.js';

/** In AWS: one EventBridge entry per event, `source` invoice-service, `detail-type` the event type. */
export class EventBridgePublisher implements EventPublisher {
  private readonly client = new EventBridgeClient({});
  constructor(private readonly busName: string) {}

  async publish(events: InvoiceEvent[]): Promise<void> {
    if (events.length === 0) return;
    const out = await this.client.send(
      new PutEventsCommand({
        Entries: events.map((e) => ({
          EventBusName: this.busName,
          Source: 'invoice-service',
          DetailType: e.type,
          Detail: JSON.stringify(e),
          Time: new Date(e.occurredAt),
        })),
      }),
    );
    // PutEvents reports per-entry failures without throwing; a failure must fail the record so it is retried.
    if (out.FailedEntryCount) throw new Error(`EventBridge refused ${out.FailedEntryCount} of ${events.length} events`);
  }
}

/** Locally: events appended to a JSON-lines file that tests and people can read. */
export class FileEventPublisher implements EventPublisher {
  constructor(private readonly file: string) {}

  async publish(events: InvoiceEvent[]): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await appendFile(this.file, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  }
}
