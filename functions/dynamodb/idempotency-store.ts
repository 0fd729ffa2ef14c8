import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './dynamo-errors.js';
import { keys } from './keys.js';

export type StoredResponse = { statusCode: number; headers: Record<string, string>; body: string };

export type IdempotencyRecord =
  | { state: 'new' }
  | { state: 'inProgress'; hash: string }
  | { state: 'done'; hash: string; response: StoredResponse };

/** Idempotency keys are kept 24 hours (DynamoDB's TTL deletes them; reads ignore expired ones). */
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;

/**
 * One item per (account, Idempotency-Key). `begin` claims the key with a conditional put, so of
 * two concurrent requests with one key only one runs; the other sees it in progress or done.
 */
export class DynamoIdempotencyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async begin(accountId: string, key: string, hash: string, nowSeconds: number): Promise<IdempotencyRecord> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.idempotency(accountId, key), entity: 'idempotency', state: 'inProgress', hash, expiresAt: nowSeconds + IDEMPOTENCY_WINDOW_SECONDS },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': nowSeconds },
        }),
      );
      return { state: 'new' };
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.idempotency(accountId, key), ConsistentRead: true }));
    if (!Item) return this.begin(accountId, key, hash, nowSeconds); // abandoned in between: claim it again
    return Item.state === 'done'
      ? { state: 'done', hash: Item.hash as string, response: Item.response as StoredResponse }
      : { state: 'inProgress', hash: Item.hash as string };
  }

  async complete(accountId: string, key: string, response: StoredResponse): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.idempotency(accountId, key),
        UpdateExpression: 'SET #state = :done, #response = :response',
        ExpressionAttributeNames: { '#state': 'state', '#response': 'response' },
        ExpressionAttributeValues: { ':done': 'done', ':response': response },
      }),
    );
  }

  /** A request that failed on our side (5xx) releases its key so a retry can run. */
  async abandon(accountId: string, key: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.idempotency(accountId, key) }));
  }
}
