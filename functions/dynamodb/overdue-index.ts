import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { pastDueEntry } from '../../domain/audit/history.js';
import { historyPut } from './audit-items.js';
import { cancellationReasons } from './dynamo-errors.js';
import type { OverdueIndex, OverduePage } from '../../domain/ports.js';
import { isConditionFailure } from './dynamo-errors.js';
import { keys, OVERDUE_SHARDS, overdueShardKey } from './keys.js';
import { readShardsBefore } from './sharded-index.js';

const INDEX = 'gsi2';

/**
 * The past-due index on gsi2: only open invoices not yet flagged carry its keys, so a Query per
 * shard for sort keys before a date reads exactly the entries due before it, never the table.
 */
export class DynamoOverdueIndex implements OverdueIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Items per Query page; DynamoDB's 1 MB page limit applies either way. */
    private readonly pageSize?: number,
  ) {}

  async *read(dueBefore: string): AsyncIterable<OverduePage> {
    const pages = readShardsBefore({
      db: this.db,
      tableName: this.tableName,
      indexName: INDEX,
      shards: OVERDUE_SHARDS,
      shardKey: overdueShardKey,
      bound: dueBefore,
      attributes: ['accountId', 'id', 'dueDate'],
      pageSize: this.pageSize,
    });
    for await (const { items, itemsRead } of pages) {
      yield {
        candidates: items.map((i) => ({
          accountId: i.accountId as string,
          invoiceId: i.id as string,
          dueDate: i.dueDate as string,
        })),
        itemsRead,
      };
    }
  }

  async flag(accountId: string, invoiceId: string, now: string): Promise<boolean> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.invoice(accountId, invoiceId),
                // Leaving the index is part of the same write, so a flagged invoice is never read again.
                UpdateExpression:
                  'SET #pastDue = :true, #version = #version + :one, #updatedAt = :now REMOVE #gsi2pk, #gsi2sk',
                ConditionExpression: '#status = :open AND #pastDue = :false',
                ExpressionAttributeNames: {
                  '#pastDue': 'pastDue',
                  '#version': 'version',
                  '#updatedAt': 'updatedAt',
                  '#status': 'status',
                  '#gsi2pk': 'gsi2pk',
                  '#gsi2sk': 'gsi2sk',
                },
                ExpressionAttributeValues: { ':true': true, ':false': false, ':one': 1, ':now': now, ':open': 'open' },
              },
            },
            // The flag's history entry, in the flag's transaction (the version it makes is not read, so 0 in the key).
            historyPut(this.tableName, pastDueEntry(accountId, invoiceId, now), 0),
          ],
        }),
      );
      return true;
    } catch (e) {
      // Paid, voided or flagged since the index was read (a concurrent run): nothing to do.
      if (isConditionFailure(e) || cancellationReasons(e)?.[0] === 'ConditionalCheckFailed') return false;
      throw e;
    }
  }
}
