import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page } from '../../domain/ports.js';
import { fromItem } from './items.js';
import { DomainError } from '../../domain/errors.js';

/**
 * Paging cursors are DynamoDB's LastEvaluatedKey, base64url-encoded. A cursor is only accepted for
 * the collection it came from, so a crafted one cannot page through another account's index.
 */
export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;
}

export function decodeCursor(cursor: string | null, collection: string): Record<string, string> | undefined {
  if (!cursor) return undefined;
  const bad = () => new DomainError('malformed', 'The paging cursor is not valid', [{ path: 'after', message: 'is not a cursor this list returned' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!parsed || typeof parsed !== 'object') throw bad();
  const key = parsed as Record<string, unknown>;
  const names = Object.keys(key).sort().join(',');
  if (names !== 'gsi1pk,gsi1sk,pk,sk' || !Object.values(key).every((v) => typeof v === 'string') || key.gsi1pk !== collection) throw bad();
  return key as Record<string, string>;
}

/** One page of a gsi1 collection, newest first. */
export async function queryCollection<T>(db: DynamoDBDocumentClient, tableName: string, collection: string, limit: number, cursor: string | null): Promise<Page<T>> {
  const out = await db.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :c',
      ExpressionAttributeValues: { ':c': collection },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: decodeCursor(cursor, collection),
    }),
  );
  return { items: (out.Items ?? []).map((i) => fromItem<T>(i)), next: encodeCursor(out.LastEvaluatedKey) };
}
