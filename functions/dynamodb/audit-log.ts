import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChainEntry } from '../../domain/audit/chain.js';
import type { HistoryEntry } from '../../domain/audit/history.js';
import { badCursor, decodeCursorJson, encodeCursorJson } from '../../domain/paging.js';
import type { AuditLog, ChainHead, Page } from '../../domain/ports.js';
import { readChainEnd } from './chain-end.js';
import { isConditionFailure } from './dynamo-errors.js';
import { fromItem } from './items.js';
import { HISTORY_SK, keys } from './keys.js';

/** Storage attributes of audit items that are not part of the contract's shapes. */
function strip<T>(item: Record<string, unknown>): T {
  const { accountId: _a, ...rest } = fromItem<Record<string, unknown>>(item);
  return rest as T;
}

/**
 * Reads the audit items the invoice and ledger stores write (audit-items.ts): history entries beside
 * each invoice, and each account's chain in its own partition, in sequence order.
 */
export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async history(
    accountId: string,
    invoiceId: string,
    limit: number,
    cursor: string | null,
    now: Date,
  ): Promise<Page<HistoryEntry>> {
    const { pk } = keys.invoice(accountId, invoiceId);
    let start: Record<string, string> | undefined;
    if (cursor) {
      const c = decodeCursorJson(cursor);
      if (typeof c.sk !== 'string' || !c.sk.startsWith(HISTORY_SK) || Object.keys(c).length !== 1) throw badCursor();
      start = { pk, sk: c.sk };
    }
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        // TTL deletes some time after expiry; until then an expired entry is already gone for readers.
        FilterExpression: 'attribute_not_exists(expiresAt) OR expiresAt > :now',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': HISTORY_SK, ':now': Math.floor(now.getTime() / 1000) },
        Limit: limit,
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    const last = out.LastEvaluatedKey;
    return {
      items: (out.Items ?? []).map((i) => {
        // The witness of a chain link (chain-end.ts) is storage, not part of the entry's contract shape.
        const { expiresAt: _e, chainSequence: _s, chainLink: _l, ...entry } = i;
        return strip<HistoryEntry>(entry);
      }),
      next: last ? encodeCursorJson({ sk: last.sk as string }) : null,
    };
  }

  async chain(accountId: string, afterSequence: number, limit: number): Promise<ChainEntry[]> {
    const first = keys.chainEntry(accountId, afterSequence);
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk > :after',
        ExpressionAttributeValues: { ':pk': first.pk, ':after': first.sk },
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map((i) => strip<ChainEntry>(i));
  }

  async head(accountId: string): Promise<ChainHead | null> {
    const end = await readChainEnd(this.db, this.tableName, accountId);
    return end && { next: end.sequence + 1, head: end.chain };
  }
}

/**
 * After a draft's deletion (the stream's REMOVE record): its earlier entries take the expiry of the
 * deletion's own entry, written in the delete's transaction. Nothing to do when there is none.
 */
export async function expireDeletedHistory(
  db: DynamoDBDocumentClient,
  tableName: string,
  accountId: string,
  invoiceId: string,
): Promise<void> {
  const { pk } = keys.invoice(accountId, invoiceId);
  // The deletion's entry sorts last (after the version it deleted): read backwards, one item.
  const { Items } = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': HISTORY_SK },
      ProjectionExpression: 'expiresAt',
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    }),
  );
  const expiresAt = Items?.[0]?.expiresAt as number | undefined;
  if (expiresAt !== undefined) await expireHistory(db, tableName, accountId, invoiceId, expiresAt);
}

/**
 * Sets the expiry of a deleted draft's entries. Only `expiresAt` is written (the entry's content is
 * never rewritten), and only on entries that have none yet.
 */
export async function expireHistory(
  db: DynamoDBDocumentClient,
  tableName: string,
  accountId: string,
  invoiceId: string,
  expiresAt: number,
): Promise<void> {
  const { pk } = keys.invoice(accountId, invoiceId);
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': HISTORY_SK },
        ProjectionExpression: 'pk, sk',
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      try {
        await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: item.pk as string, sk: item.sk as string },
            UpdateExpression: 'SET expiresAt = :at',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(expiresAt)',
            ExpressionAttributeValues: { ':at': expiresAt },
          }),
        );
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
}
