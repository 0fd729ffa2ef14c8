import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PdfRecord, PdfRecordStore } from '../../domain/ports.js';
import { isConditionFailure } from './dynamo-errors.js';
import { toInstant } from '../../domain/dates/calendar.js';
import { keys } from './keys.js';
import { fileChainDocument } from '../../domain/audit/chain.js';
import { fileStoredEntry } from '../../domain/audit/history.js';
import { chainRequest, historyPut, witnessing } from './audit-items.js';
import { NumberedWriter } from './number-series.js';

/** The record's write lost to one for the same or a later version: a replay, so nothing is appended. */
class SupersededRecord extends Error {}

/**
 * The PDF last rendered for an invoice, kept beside it (same partition, sort key PDF). The link
 * routes read it to find the object; the renderer writes it after the object is in S3.
 */
export class DynamoPdfRecordStore implements PdfRecordStore {
  /** The chain's link-taking write, as for invoices (number-series.ts). */
  private readonly writer: NumberedWriter;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.writer = new NumberedWriter(db, tableName);
  }

  async get(accountId: string, invoiceId: string): Promise<PdfRecord | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.invoicePdf(accountId, invoiceId), ConsistentRead: true }),
    );
    if (!Item) return null;
    return {
      key: Item.objectKey as string,
      sha256: Item.sha256 as string,
      status: Item.status as PdfRecord['status'],
      version: Item.version as number,
      ...(typeof Item.content === 'string' ? { content: Item.content } : {}),
    };
  }

  /**
   * Stores the record unless one for the same or a later invoice version is there already: a
   * replayed or late render (of version 2 after version 3 was stored) must not point the link back
   * at an older PDF. Losing that race is the expected outcome of a replay, so it is not an error.
   */
  async put(
    accountId: string,
    invoiceId: string,
    record: PdfRecord,
    stored?: { number: string | null },
  ): Promise<void> {
    const item = this.recordPut(accountId, invoiceId, record);
    if (stored) return this.putStored(accountId, invoiceId, record, stored.number, item);
    try {
      await this.db.send(new PutCommand(item));
    } catch (e) {
      if (isConditionFailure(e)) return;
      throw e;
    }
  }

  /** The record, its history entry and its chain link in one transaction: all or (on a replay) none. */
  private async putStored(
    accountId: string,
    invoiceId: string,
    record: PdfRecord,
    number: string | null,
    item: ReturnType<DynamoPdfRecordStore['recordPut']>,
  ): Promise<void> {
    const at = toInstant(new Date());
    const file = { sha256: record.sha256, objectKey: record.key };
    try {
      await this.writer.write({
        items: (_, link) => [
          { Put: item },
          witnessing(historyPut(this.tableName, fileStoredEntry(accountId, invoiceId, at, file), record.version), link),
        ],
        chain: chainRequest(accountId, () =>
          fileChainDocument({ documentId: invoiceId, invoiceId, number, at, ...file }),
        ),
        ownFailure: (reasons) => (reasons[0] === 'ConditionalCheckFailed' ? new SupersededRecord() : undefined),
        busy: 'Too many documents are being chained at once; retry shortly',
      });
    } catch (e) {
      if (e instanceof SupersededRecord) return;
      throw e;
    }
  }

  private recordPut(accountId: string, invoiceId: string, record: PdfRecord) {
    return {
      TableName: this.tableName,
      Item: {
        ...keys.invoicePdf(accountId, invoiceId),
        entity: 'invoicePdf',
        accountId,
        invoiceId,
        objectKey: record.key,
        sha256: record.sha256,
        status: record.status,
        version: record.version,
        ...(record.content !== undefined ? { content: record.content } : {}),
      },
      ConditionExpression: 'attribute_not_exists(pk) OR #version < :version',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':version': record.version },
    };
  }
}
