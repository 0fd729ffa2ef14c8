import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MAX_SNIPPETS, type Snippet } from '../../domain/snippets/snippet.js';
import {
  ShortcutTaken,
  SnippetLimitReached,
  VersionConflict,
  type Page,
  type SnippetStore,
} from '../../domain/ports.js';
import { cancellationReasons } from './dynamo-errors.js';
import { collections, keys } from './keys.js';
import type { TransactItem } from './number-series.js';
import { DynamoRecordStore } from './record-store.js';

const KIND = 'snippet';

/**
 * Snippets: one item each (listed through gsi1), a guard item per shortcut and a per-account
 * counter, each moved in the same transaction as the snippet, so two snippets never share a
 * shortcut and an account never passes its limit, however many requests race.
 */
export class DynamoSnippetStore implements SnippetStore {
  private readonly records: DynamoRecordStore<Snippet>;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.records = new DynamoRecordStore<Snippet>(db, tableName, KIND);
  }

  get(accountId: string, id: string): Promise<Snippet | null> {
    return this.records.get(accountId, id);
  }

  list(accountId: string, limit: number, cursor: string | null): Promise<Page<Snippet>> {
    return this.records.list(accountId, limit, cursor);
  }

  private item(s: Snippet) {
    return {
      ...s,
      ...keys.record(s.accountId, KIND, s.id),
      gsi1pk: collections.records(s.accountId, KIND),
      gsi1sk: s.id,
      entity: KIND,
    };
  }

  private guardPut(s: Snippet): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...keys.snippetShortcut(s.accountId, s.shortcut), entity: 'snippetShortcut', snippetId: s.id },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  private counter(accountId: string, by: 1 | -1): TransactItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: keys.snippetCounter(accountId),
        UpdateExpression: 'ADD #n :by',
        ...(by > 0 ? { ConditionExpression: 'attribute_not_exists(#n) OR #n < :max' } : {}),
        ExpressionAttributeNames: { '#n': 'count' },
        ExpressionAttributeValues: { ':by': by, ...(by > 0 ? { ':max': MAX_SNIPPETS } : {}) },
      },
    };
  }

  async create(s: Snippet): Promise<Snippet> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            this.counter(s.accountId, 1),
            this.guardPut(s),
            { Put: { TableName: this.tableName, Item: this.item(s), ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
        }),
      );
      return s;
    } catch (e) {
      const reasons = cancellationReasons(e);
      if (reasons?.[1] === 'ConditionalCheckFailed') throw new ShortcutTaken();
      if (reasons?.[0] === 'ConditionalCheckFailed') throw new SnippetLimitReached();
      throw e;
    }
  }

  async replace(previous: Snippet, next: Snippet): Promise<Snippet> {
    const moved = previous.shortcut.toLowerCase() !== next.shortcut.toLowerCase();
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: this.item(next),
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': previous.version },
              },
            },
            ...(moved
              ? [
                  this.guardPut(next),
                  {
                    Delete: {
                      TableName: this.tableName,
                      Key: keys.snippetShortcut(previous.accountId, previous.shortcut),
                    },
                  },
                ]
              : []),
          ],
        }),
      );
      return next;
    } catch (e) {
      const reasons = cancellationReasons(e);
      if (reasons?.[0] === 'ConditionalCheckFailed') throw new VersionConflict();
      if (reasons?.[1] === 'ConditionalCheckFailed') throw new ShortcutTaken();
      throw e;
    }
  }

  async remove(s: Snippet): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.tableName,
                Key: keys.record(s.accountId, KIND, s.id),
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': s.version },
              },
            },
            { Delete: { TableName: this.tableName, Key: keys.snippetShortcut(s.accountId, s.shortcut) } },
            this.counter(s.accountId, -1),
          ],
        }),
      );
    } catch (e) {
      if (cancellationReasons(e)?.[0] === 'ConditionalCheckFailed') throw new VersionConflict();
      throw e;
    }
  }
}
