import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { badCursor, decodeCursorJson, encodeCursorJson } from '../../domain/paging.js';
import type { Page } from '../../domain/ports.js';
import type { Delivery, DeliveryAttempt } from '../../domain/webhooks/delivery.js';
import { DISABLE_AFTER_FAILING_MS, type WebhookEndpoint } from '../../domain/webhooks/webhook-endpoint.js';
import type { DeliveryStore, WebhookEndpointStore } from '../../domain/webhooks/webhook-ports.js';
import { isConditionFailure } from './dynamo-errors.js';
import { directReads, type ItemReads } from './group-commit.js';
import { VersionedItems } from './versioned-items.js';
import { fromItem } from './items.js';
import { keys, webhookDeliveryPartition, webhookEndpointPartition } from './keys.js';

/** The delivery log keeps 30 days (DynamoDB's TTL on `expiresAt`), as Stripe keeps events. */
const DELIVERY_LOG_SECONDS = 30 * 24 * 60 * 60;

/** A page of one partition (`pk`), newest `sk` first; the cursor is accepted only for that partition. */
async function queryPartition<T>(
  db: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  skPrefix: string,
  limit: number,
  cursor: string | null,
): Promise<Page<T>> {
  let start: Record<string, string> | undefined;
  if (cursor) {
    const key = decodeCursorJson(cursor);
    if (
      Object.keys(key).sort().join(',') !== 'pk,sk' ||
      key.pk !== pk ||
      typeof key.sk !== 'string' ||
      !key.sk.startsWith(skPrefix)
    )
      throw badCursor();
    start = key as Record<string, string>;
  }
  const out = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ScanIndexForward: false,
      ConsistentRead: true,
      Limit: limit,
      ExclusiveStartKey: start,
    }),
  );
  return {
    items: (out.Items ?? []).map((i) => fromItem<T>(i)),
    next: out.LastEvaluatedKey ? encodeCursorJson(out.LastEvaluatedKey) : null,
  };
}

export class DynamoWebhookEndpointStore implements WebhookEndpointStore {
  private readonly items: VersionedItems<WebhookEndpoint>;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The delivery function's coalesces with its delivery store's (webhook-wiring.ts). */
    reads: ItemReads = directReads(db, tableName),
  ) {
    this.items = new VersionedItems<WebhookEndpoint>(
      db,
      tableName,
      {
        key: keys.webhookEndpoint,
        item: (e) => ({ ...e, ...keys.webhookEndpoint(e.accountId, e.id), entity: 'webhookEndpoint' }),
      },
      reads,
    );
  }

  get(accountId: string, id: string): Promise<WebhookEndpoint | null> {
    return this.items.get(accountId, id);
  }

  create(endpoint: WebhookEndpoint): Promise<WebhookEndpoint> {
    return this.items.create(endpoint);
  }

  replace(previous: WebhookEndpoint, next: WebhookEndpoint): Promise<WebhookEndpoint> {
    return this.items.replace(previous, next);
  }

  remove(endpoint: WebhookEndpoint): Promise<void> {
    return this.items.remove(endpoint);
  }

  list(accountId: string, limit: number, cursor: string | null): Promise<Page<WebhookEndpoint>> {
    return queryPartition(this.db, this.tableName, webhookEndpointPartition(accountId), 'WHEP#', limit, cursor);
  }

  async all(accountId: string): Promise<WebhookEndpoint[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': webhookEndpointPartition(accountId), ':prefix': 'WHEP#' },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map((i) => fromItem<WebhookEndpoint>(i));
  }

  async recordOutcome(endpoint: WebhookEndpoint, ok: boolean, now: string): Promise<void> {
    const Key = keys.webhookEndpoint(endpoint.accountId, endpoint.id);
    try {
      if (ok) {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key,
            UpdateExpression: 'SET failingSince = :null',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':null': null },
          }),
        );
        return;
      }
      const since = endpoint.failingSince;
      if (since === null) {
        // The streak starts now, unless a concurrent failure started it already.
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key,
            UpdateExpression: 'SET failingSince = :now',
            ConditionExpression: 'attribute_exists(pk) AND failingSince = :null',
            ExpressionAttributeValues: { ':now': now, ':null': null },
          }),
        );
        return;
      }
      if (Date.parse(now) - Date.parse(since) < DISABLE_AFTER_FAILING_MS) return;
      // Five days of failures and no success since (the condition): disabled until its owner enables it.
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key,
          UpdateExpression: 'SET #status = :disabled, disabledReason = :reason',
          ConditionExpression: 'failingSince = :since',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':disabled': 'disabled',
            ':since': since,
            ':reason': `every delivery failed since ${since}`,
          },
        }),
      );
    } catch (e) {
      // Deleted, or another delivery's outcome got there first: its observation stands.
      if (!isConditionFailure(e)) throw e;
    }
  }
}

export class DynamoDeliveryStore implements DeliveryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The delivery function's coalesces with its endpoint store's (webhook-wiring.ts). */
    private readonly reads: ItemReads = directReads(db, tableName),
  ) {}

  async create(delivery: Delivery): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...delivery,
            ...keys.webhookDelivery(delivery.accountId, delivery.endpointId, delivery.id),
            entity: 'webhookDelivery',
            expiresAt: Math.floor(Date.parse(delivery.createdAt) / 1000) + DELIVERY_LOG_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  async get(accountId: string, endpointId: string, id: string): Promise<Delivery | null> {
    const item = await this.reads.get(keys.webhookDelivery(accountId, endpointId, id));
    return item ? fromItem<Delivery>(item) : null;
  }

  list(accountId: string, endpointId: string, limit: number, cursor: string | null): Promise<Page<Delivery>> {
    return queryPartition(
      this.db,
      this.tableName,
      webhookDeliveryPartition(accountId, endpointId),
      'DLV#',
      limit,
      cursor,
    );
  }

  async recordAttempt(
    delivery: Delivery,
    attempt: DeliveryAttempt,
    status: Delivery['status'],
    nextRetryAt: string | null,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.webhookDelivery(delivery.accountId, delivery.endpointId, delivery.id),
          UpdateExpression:
            'SET attempts = list_append(attempts, :attempt), #status = :status, nextRetryAt = :next, updatedAt = :at',
          ConditionExpression: '#status = :pending AND size(attempts) = :count',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':attempt': [attempt],
            ':status': status,
            ':next': nextRetryAt,
            ':at': attempt.at,
            ':pending': 'pending',
            ':count': delivery.attempts.length,
          },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  async requeue(delivery: Delivery, now: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.webhookDelivery(delivery.accountId, delivery.endpointId, delivery.id),
          UpdateExpression: 'SET #status = :pending, #mode = :manual, nextRetryAt = :now, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND #status <> :pending',
          ExpressionAttributeNames: { '#status': 'status', '#mode': 'mode' },
          ExpressionAttributeValues: { ':pending': 'pending', ':manual': 'manual', ':now': now },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }
}
