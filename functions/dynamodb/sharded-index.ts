import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** One Query page of a sharded index: the projected items, and how many index items it read. */
export type ShardPage = { items: Record<string, unknown>[]; itemsRead: number };

/**
 * Reads a sparse index whose partitions are shards (`gsiNpk` = shard key) and whose sort keys start
 * with a date, every entry before `bound` in every shard, page by page. The past-due index and the
 * recurring schedules' due index are read this way: what the job reads grows with the entries that
 * are due, never with the table, and a date is a prefix of every sort key of that day (a prefix
 * sorts first), so "< date" means "before that day".
 */
export async function* readShardsBefore(q: {
  db: DynamoDBDocumentClient;
  tableName: string;
  indexName: string;
  shards: number;
  shardKey: (shard: number) => string;
  bound: string;
  /** The attributes to read (no others are fetched). */
  attributes: string[];
  /** Items per Query page; DynamoDB's 1 MB page limit applies either way. */
  pageSize?: number | undefined;
}): AsyncIterable<ShardPage> {
  const names = Object.fromEntries(q.attributes.map((a) => [`#${a}`, a]));
  for (let shard = 0; shard < q.shards; shard++) {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await q.db.send(
        new QueryCommand({
          TableName: q.tableName,
          IndexName: q.indexName,
          KeyConditionExpression: `${q.indexName}pk = :shard AND ${q.indexName}sk < :bound`,
          ExpressionAttributeValues: { ':shard': q.shardKey(shard), ':bound': q.bound },
          ProjectionExpression: Object.keys(names).join(', '),
          ExpressionAttributeNames: names,
          ExclusiveStartKey: start,
          ...(q.pageSize ? { Limit: q.pageSize } : {}),
        }),
      );
      const items = out.Items ?? [];
      // No filter expression, so Count is every item the Query read.
      yield { items, itemsRead: out.Count ?? items.length };
      start = out.LastEvaluatedKey;
    } while (start);
  }
}
