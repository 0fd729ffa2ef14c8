import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page, RecordStore, Stored } from '../../domain/ports.js';
import { queryCollection } from './cursor.js';
import { collections, keys } from './keys.js';
import { VersionedItems } from './versioned-items.js';

/** CRM records, saved views and export jobs: one item each, listed through gsi1. */
export class DynamoRecordStore<T extends Stored> implements RecordStore<T> {
  private readonly items: VersionedItems<T>;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly kind: T['kind'],
  ) {
    this.items = new VersionedItems<T>(db, tableName, {
      key: (accountId, id) => keys.record(accountId, kind, id),
      item: (record) => ({
        ...record,
        ...keys.record(record.accountId, kind, record.id),
        gsi1pk: collections.records(record.accountId, kind),
        gsi1sk: record.id,
        entity: kind,
      }),
    });
  }

  get(accountId: string, id: string): Promise<T | null> {
    return this.items.get(accountId, id);
  }

  create(record: T): Promise<T> {
    return this.items.create(record);
  }

  replace(previous: T, next: T): Promise<T> {
    return this.items.replace(previous, next);
  }

  remove(record: T): Promise<void> {
    return this.items.remove(record);
  }

  list(accountId: string, limit: number, cursor: string | null): Promise<Page<T>> {
    return queryCollection<T>(this.db, this.tableName, collections.records(accountId, this.kind), limit, cursor);
  }
}
