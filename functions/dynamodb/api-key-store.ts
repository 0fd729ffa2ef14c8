import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApiKey, ApiKeyStore, StoredApiKey } from '../../domain/auth/api-keys.js';
import type { Page } from '../../domain/ports.js';
import { queryCollection } from './cursor.js';
import { isConditionFailure } from './dynamo-errors.js';
import { collections, keys } from './keys.js';

/**
 * `expiresAt` is the table's TTL attribute (KEY_ATTRIBUTES): a key's own expiry is stored under
 * another name so that it is neither stripped on read nor taken for the item's time to live.
 */
type Item = Omit<StoredApiKey, 'expiresAt'> & { keyExpiresAt: string | null };

const toKey = (item: Record<string, unknown>): StoredApiKey => {
  const {
    pk: _pk,
    sk: _sk,
    gsi1pk: _g,
    gsi1sk: _s,
    entity: _e,
    keyExpiresAt,
    ...rest
  } = item as Item & Record<string, unknown>;
  return {
    ...(rest as Omit<StoredApiKey, 'expiresAt'>),
    expiresAt: keyExpiresAt ?? null,
    revokedAt: (rest.revokedAt as string | undefined) ?? null,
    lastUsedAt: (rest.lastUsedAt as string | undefined) ?? null,
  };
};

const withoutHash = ({ hash: _hash, ...key }: StoredApiKey): ApiKey => key;

export class DynamoApiKeyStore implements ApiKeyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(key: StoredApiKey): Promise<void> {
    // revokedAt and lastUsedAt are absent until set, so the updates can test attribute_not_exists.
    const { expiresAt, revokedAt: _r, lastUsedAt: _l, ...rest } = key;
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...rest,
          keyExpiresAt: expiresAt,
          ...keys.apiKey(key.id),
          gsi1pk: collections.apiKeys(key.accountId),
          gsi1sk: key.id,
          entity: 'apiKey',
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(id: string): Promise<StoredApiKey | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.apiKey(id), ConsistentRead: true }),
    );
    return Item ? toKey(Item) : null;
  }

  async list(accountId: string, limit: number, cursor: string | null): Promise<Page<ApiKey>> {
    const page = await queryCollection<Record<string, unknown>>(
      this.db,
      this.tableName,
      collections.apiKeys(accountId),
      limit,
      cursor,
    );
    // The index projects every attribute; the hash is dropped here so it never leaves the store.
    return { items: page.items.map((i) => withoutHash(toKey(i))), next: page.next };
  }

  async revoke(accountId: string, id: string, at: string): Promise<ApiKey | null> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.apiKey(id),
          // Revoking twice keeps the first instant.
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
          ConditionExpression: 'accountId = :account',
          ExpressionAttributeValues: { ':at': at, ':account': accountId },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return withoutHash(toKey(Attributes!));
    } catch (e) {
      // Absent, or another account's: the same answer, so ids of other accounts cannot be probed.
      if (isConditionFailure(e)) return null;
      throw e;
    }
  }

  async touch(id: string, at: string, notBefore: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.apiKey(id),
          UpdateExpression: 'SET lastUsedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt <= :nb)',
          ExpressionAttributeValues: { ':at': at, ':nb': notBefore },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }
}
