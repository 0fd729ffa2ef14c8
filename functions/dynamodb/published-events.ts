import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { InvoiceEvent } from '../../domain/events/invoice-events.js';
import type { Invoice } from '../../domain/invoices/invoice.js';
import type { InvoicePdfState, PublishedEvents } from '../../domain/stream/invoice-side-effects.js';
import { isConditionFailure } from './dynamo-errors.js';
import { keys } from './keys.js';

/** Stream replays come within 24 hours (the stream's retention); a week of marks is ample. */
const MARK_SECONDS = 7 * 24 * 60 * 60;

/** Beside the invoice the event is about, or beside its schedule when there is none (a failed run). */
const publishedEventKey = (event: InvoiceEvent) =>
  event.invoiceId
    ? keys.publishedEvent(event.accountId, event.invoiceId, event.id)
    : keys.recurringEvent(event.accountId, event.recurringInvoiceId!, event.id);

/** One small item beside the invoice (or schedule) per published event. */
export class DynamoPublishedEvents implements PublishedEvents {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async has(event: InvoiceEvent): Promise<boolean> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: publishedEventKey(event),
        ConsistentRead: true,
      }),
    );
    return Item !== undefined;
  }

  async add(event: InvoiceEvent): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...publishedEventKey(event),
          entity: 'publishedEvent',
          type: event.type,
          expiresAt: Math.floor(Date.now() / 1000) + MARK_SECONDS,
        },
      }),
    );
  }
}

/**
 * Sets `pdf` on the invoice item with no version bump, only while it is still the version rendered
 * (within `open` a payment changes what the PDF shows, so the status alone no longer says the PDF
 * is current: a later version brings its own PDF).
 */
export class DynamoInvoicePdfState implements InvoicePdfState {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async markReady(invoice: Invoice, sha256: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.invoice(invoice.accountId, invoice.id),
          UpdateExpression: 'SET pdf = :pdf',
          ConditionExpression: '#status = :status AND #version = :version',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: {
            ':pdf': { status: 'ready', sha256 },
            ':status': invoice.status,
            ':version': invoice.version,
          },
        }),
      );
    } catch (e) {
      // The invoice moved on (or was deleted): the record of that later change brings its own PDF.
      if (!isConditionFailure(e)) throw e;
    }
  }
}
