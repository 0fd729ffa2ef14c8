import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { VersionConflict, type Page, type RecordStore, type Stored } from '../../domain/ports.js';
import { queryCollection } from './cursor.js';
import { isConditionFailure } from './dynamo-errors.js';
import { fromItem } from './items.js';
import { collections, keys } from './keys.js';

/** CRM records, saved views and export jobs: one item each, listed through gsi1. */
export class DynamoRecordStore<T extends Stored> implements RecordStore<T> {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly kind: T['kind'],
  ) {}

  private toItem(record: T) {
    return {
      ...record,
      ...keys.record(record.accountId, this.kind, record.id),
      gsi1pk: collections.records(record.accountId, this.kind),
      gsi1sk: record.id,
      entity: this.kind,
    };
  }

  async get(accountId: string, id: string): Promise<T | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.record(accountId, this.kind, id), ConsistentRead: true }),
    );
    return Item ? fromItem<T>(Item) : null;
  }

  async create(record: T): Promise<T> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: this.toItem(record),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return record;
  }

  async replace(previous: T, next: T): Promise<T> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.toItem(next),
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': previous.version },
        }),
      );
      return next;
    } catch (e) {
      if (isConditionFailure(e)) throw new VersionConflict();
      throw e;
    }
  }

  async remove(record: T): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.record(record.accountId, this.kind, record.id),
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': record.version },
        }),
      );
    } catch (e) {
      if (isConditionFailure(e)) throw new VersionConflict();
      throw e;
    }
  }

  list(accountId: string, limit: number, cursor: string | null): Promise<Page<T>> {
    return queryCollection<T>(this.db, this.tableName, collections.records(accountId, this.kind), limit, cursor);
  }
}
