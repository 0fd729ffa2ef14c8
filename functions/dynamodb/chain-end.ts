import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { collections, keys } from './keys.js';

/** A link of an account's chain: its sequence and its `chain` hash. */
export type ChainLink = { sequence: number; chain: string };

/**
 * Where an account's chain ends. No counter is written with the chain: an issuing transaction puts
 * only the entry (a new key, so a sequence is taken once), which keeps the chain's cost to one item
 * (bench/audit.ts). A deleted last entry would then leave no gap, so the end is the highest of:
 * - the last entry, read strongly from the chain's partition;
 * - the highest witness: the history entry written in each issuing transaction names the sequence
 *   and link it took, indexed by sequence (gsi1, so possibly a moment behind, never ahead);
 * - the counter that chains kept before witnesses existed: no longer written, it still knows how
 *   far those chains went.
 * A writer links after that end, so an entry deleted from the end stays a gap instead of being
 * taken again, and `/audit/verify` checks that its walk reached it.
 */
export async function readChainEnd(
  db: DynamoDBDocumentClient,
  tableName: string,
  accountId: string,
): Promise<ChainLink | null> {
  const [last, witness, legacy] = await Promise.all([
    db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.chainEntry(accountId, 0).pk },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    ),
    db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': collections.chainWitnesses(accountId) },
        ScanIndexForward: false,
        Limit: 1,
      }),
    ),
    db.send(new GetCommand({ TableName: tableName, Key: keys.chainCounter(accountId), ConsistentRead: true })),
  ]);
  const ends: ChainLink[] = [];
  const entry = last.Items?.[0];
  if (entry) ends.push({ sequence: entry.sequence as number, chain: entry.chain as string });
  const seen = witness.Items?.[0];
  if (seen) ends.push({ sequence: seen.chainSequence as number, chain: seen.chainLink as string });
  const counter = legacy.Item;
  if (counter) ends.push({ sequence: (counter.next as number) - 1, chain: counter.head as string });
  return ends.reduce<ChainLink | null>((end, e) => (end === null || e.sequence > end.sequence ? e : end), null);
}
