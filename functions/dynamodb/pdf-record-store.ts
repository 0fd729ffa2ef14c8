import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PdfRecord, PdfRecordStore } from '../../domain/ports.js';
import { isConditionFailure } from './dynamo-errors.js';
import { keys } from './keys.js';

/**
 * The PDF last rendered for an invoice, kept beside it (same partition, sort key PDF). The link
 * routes read it to find the object; the renderer writes it after the object is in S3.
 */
export class DynamoPdfRecordStore implements PdfRecordStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

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
  async put(accountId: string, invoiceId: string, record: PdfRecord): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
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
        }),
      );
    } catch (e) {
      if (isConditionFailure(e)) return;
      throw e;
    }
  }
}
