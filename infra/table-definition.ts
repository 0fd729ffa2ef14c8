/**
 * The one table, described once: the CDK stack and the local runtime both build it from here, so
 * the two cannot drift. Items carry generic keys (pk/sk, gsi1pk/gsi1sk) and an `entity` type;
 * functions/dynamodb/keys.ts builds every key string.
 */
export const TABLE_DEFINITION = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds after which DynamoDB may delete the item (idempotency records). */
  timeToLiveAttribute: 'expiresAt',
  stream: 'NEW_AND_OLD_IMAGES',
  globalSecondaryIndexes: [
    /** Per-account collections, newest first: an account's invoices, contacts, companies. */
    { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    /**
     * Sparse: only open invoices not yet flagged past due carry gsi2 keys (a shard and their due
     * date), so the past-due job reads what is due, never the table. Paying, voiding or flagging
     * an invoice removes it from the index.
     */
    { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    /**
     * Search (functions/dynamodb/invoice-search-index.ts): an account's invoices by creation time,
     * by owner then creation time, by status then due date, and by number. Each serves a filter
     * and the sort it is ordered by, so a page reads about as many items as it returns.
     */
    { indexName: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
    { indexName: 'gsi4', partitionKey: 'gsi4pk', sortKey: 'gsi4sk' },
    { indexName: 'gsi5', partitionKey: 'gsi5pk', sortKey: 'gsi5sk' },
    { indexName: 'gsi6', partitionKey: 'gsi6pk', sortKey: 'gsi6sk' },
    /**
     * Sparse: only active recurring schedules carry gsi7 keys (a shard and their next run date),
     * so the recurring job reads the schedules that are due, never the table.
     */
    { indexName: 'gsi7', partitionKey: 'gsi7pk', sortKey: 'gsi7sk' },
    /**
     * Sparse: only open invoices with a balance due, not paused and with a reminder step still to
     * come carry gsi8 keys (a shard and that step's date), so the reminders job reads what is due.
     */
    { indexName: 'gsi8', partitionKey: 'gsi8pk', sortKey: 'gsi8sk' },
  ],
} as const;

export type TableDefinition = typeof TABLE_DEFINITION;
