import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { keys } from './keys.js';

/** The Powertools persistence layer for one (account, Idempotency-Key). */
export type IdempotencyRecords = (accountId: string, key: string) => DynamoDBPersistenceLayer;

/**
 * Powertools' DynamoDB persistence layer on the service's one table. With a sort key, Powertools
 * puts every record under one "static" partition key, which would make one hot partition of every
 * account's keys; a layer is cheap, so each request gets its own whose partition is the account
 * and key (`ACC#<account>#IDEM#<key>`, as every tenant key starts with its account) and whose sort
 * key is Powertools' hash of them. A layer per request is also what keeps concurrent requests in
 * one process (the local runtime) apart: a layer holds per-call state.
 *
 * Its commands (PutItem, GetItem, UpdateItem, DeleteItem) are in TABLE_ACTIONS; the record's
 * expiry is the table's TTL attribute.
 */
export function idempotencyRecords(client: DynamoDBClient, tableName: string): IdempotencyRecords {
  return (accountId, key) =>
    new DynamoDBPersistenceLayer({
      tableName,
      awsSdkV3Client: client,
      keyAttr: 'pk',
      sortKeyAttr: 'sk',
      staticPkValue: keys.idempotencyPartition(accountId, key),
      expiryAttr: 'expiresAt',
    });
}
