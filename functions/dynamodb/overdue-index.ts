import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { pastDueEntry } from '../../domain/audit/history.js';
import { historyPut } from './audit-items.js';
import { cancellationReasons } from './dynamo-errors.js';
import type { OverdueIndex, OverduePage } from '../../domain/ports.js';
import { isConditionFailure } from './dynamo-errors.js';
import { keys, OVERDUE_SHARDS, overdueShardKey } from './keys.js';

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
    for (let shard = 0; shard < OVERDUE_SHARDS; shard++) {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: INDEX,
            // The sort key starts with the due date, so "< date" is "due before date": a date is a
            // prefix of every sort key due that day, and a prefix sorts first.
            KeyConditionExpression: 'gsi2pk = :shard AND gsi2sk < :bound',
            ExpressionAttributeValues: { ':shard': overdueShardKey(shard), ':bound': dueBefore },
            ProjectionExpression: '#accountId, #id, #dueDate',
            ExpressionAttributeNames: { '#accountId': 'accountId', '#id': 'id', '#dueDate': 'dueDate' },
            ExclusiveStartKey: start,
            ...(this.pageSize ? { Limit: this.pageSize } : {}),
          }),
        );
        const items = out.Items ?? [];
        yield {
          candidates: items.map((i) => ({
            accountId: i.accountId as string,
            invoiceId: i.id as string,
            dueDate: i.dueDate as string,
          })),
          // No filter expression, so Count is every item the Query read.
          itemsRead: out.Count ?? items.length,
        };
        start = out.LastEvaluatedKey;
      } while (start);
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
