import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { VersionConflict } from '../../domain/ports.js';
import { isConditionFailure } from './dynamo-errors.js';
import { directReads, type ItemReads } from './group-commit.js';
import { fromItem } from './items.js';
import type { Key } from './keys.js';

/** What every versioned object carries: its tenant, its id, and the version its writes are conditional on. */
type VersionedObject = { accountId: string; id: string; version: number };

/**
 * One item per object, written whole and conditional on its version: get, create (refused if it
 * exists), replace and remove (a lost race is a `VersionConflict`). The stores differ only in
 * where the item lives (`key`) and what it carries beside the object (`item`: keys, index keys,
 * the entity name).
 */
export class VersionedItems<T extends VersionedObject> {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly spec: { key: (accountId: string, id: string) => Key; item: (t: T) => Record<string, unknown> },
    private readonly reads: ItemReads = directReads(db, tableName),
  ) {}

  async get(accountId: string, id: string): Promise<T | null> {
    const item = await this.reads.get(this.spec.key(accountId, id));
    return item ? fromItem<T>(item) : null;
  }

  async create(t: T): Promise<T> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: this.spec.item(t),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return t;
  }

  async replace(previous: T, next: T): Promise<T> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.spec.item(next),
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

  async remove(t: T): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: this.spec.key(t.accountId, t.id),
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': t.version },
        }),
      );
    } catch (e) {
      if (isConditionFailure(e)) throw new VersionConflict();
      throw e;
    }
  }
}
