import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page } from '../../domain/ports.js';
import { fromItem } from './items.js';
import { badCursor, decodeCursorJson, encodeCursorJson } from '../../domain/paging.js';

/**
 * Paging cursors are DynamoDB's LastEvaluatedKey, base64url-encoded. A cursor is only accepted for
 * the collection it came from, so a crafted one cannot page through another account's index.
 */
export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? encodeCursorJson(key) : null;
}

export function decodeCursor(cursor: string | null, collection: string): Record<string, string> | undefined {
  if (!cursor) return undefined;
  const key = decodeCursorJson(cursor);
  const names = Object.keys(key).sort().join(',');
  if (
    names !== 'gsi1pk,gsi1sk,pk,sk' ||
    !Object.values(key).every((v) => typeof v === 'string') ||
    key.gsi1pk !== collection
  )
    throw badCursor();
  return key as Record<string, string>;
}

/** One page of a gsi1 collection, newest first. */
export async function queryCollection<T>(
  db: DynamoDBDocumentClient,
  tableName: string,
  collection: string,
  limit: number,
  cursor: string | null,
): Promise<Page<T>> {
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
