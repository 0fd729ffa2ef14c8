import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Change } from '../../domain/audit/history.js';
import type { Invoice } from '../../domain/invoices/invoice.js';
import {
  RunClaimed,
  VersionConflict,
  type DuePage,
  type NumberRequest,
  type Page,
  type RecurringStore,
} from '../../domain/ports.js';
import type { RecurringInvoice } from '../../domain/recurring/recurring-invoice.js';
import { queryCollection } from './cursor.js';
import { isConditionFailure } from './dynamo-errors.js';
import type { DynamoInvoiceStore } from './invoice-store.js';
import { fromItem } from './items.js';
import { collections, RECURRING_SHARDS, recurringDueKeys, recurringKey, recurringShardKey } from './keys.js';
import { readShardsBefore } from './sharded-index.js';

/** The sparse index of active schedules by next run date (infra/table-definition.ts). */
export const RECURRING_INDEX = 'gsi7';

const KIND = 'recurringInvoice';

/**
 * Recurring schedules: one item each, in their own partition (where the links to the invoices
 * they issued are kept too), listed through gsi1 and, while active, found by the job through gsi7.
 */
export class DynamoRecurringStore implements RecurringStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly invoices: DynamoInvoiceStore,
    /** Items per due-index Query page; DynamoDB's 1 MB page limit applies either way. */
    private readonly pageSize?: number,
  ) {}

  private toItem(s: RecurringInvoice): Record<string, unknown> {
    return {
      ...s,
      ...recurringKey(s.accountId, s.id),
      gsi1pk: collections.records(s.accountId, KIND),
      gsi1sk: s.id,
      ...recurringDueKeys(s),
      entity: KIND,
    };
  }

  async get(accountId: string, id: string): Promise<RecurringInvoice | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: recurringKey(accountId, id), ConsistentRead: true }),
    );
    return Item ? fromItem<RecurringInvoice>(Item) : null;
  }

  async create(s: RecurringInvoice): Promise<RecurringInvoice> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: this.toItem(s),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return s;
  }

  async replace(previous: RecurringInvoice, next: RecurringInvoice): Promise<RecurringInvoice> {
    try {
      await this.db.send(new PutCommand(this.versionedPut(previous, next)));
      return next;
    } catch (e) {
      if (isConditionFailure(e)) throw new VersionConflict();
      throw e;
    }
  }

  list(accountId: string, limit: number, cursor: string | null): Promise<Page<RecurringInvoice>> {
    return queryCollection<RecurringInvoice>(
      this.db,
      this.tableName,
      collections.records(accountId, KIND),
      limit,
      cursor,
    );
  }

  async *readDue(dueBefore: string): AsyncIterable<DuePage> {
    const pages = readShardsBefore({
      db: this.db,
      tableName: this.tableName,
      indexName: RECURRING_INDEX,
      shards: RECURRING_SHARDS,
      shardKey: recurringShardKey,
      bound: dueBefore,
      attributes: ['accountId', 'id', 'nextRunOn'],
      pageSize: this.pageSize,
    });
    for await (const { items, itemsRead } of pages) {
      yield {
        candidates: items.map((i) => ({
          accountId: i.accountId as string,
          id: i.id as string,
          nextRunOn: i.nextRunOn as string,
        })),
        itemsRead,
      };
    }
  }

  issue(
    previous: RecurringInvoice,
    next: RecurringInvoice,
    invoice: Invoice,
    change: Change,
    numbering?: NumberRequest,
  ): Promise<Invoice> {
    const claim = this.versionedPut(previous, next);
    // The period key beside the version: even a writer that kept the version would not issue a
    // period twice (the claim only moves forward).
    claim.ConditionExpression =
      '#version = :expected AND (attribute_not_exists(#lastRunIndex) OR #lastRunIndex = :none OR #lastRunIndex < :period)';
    claim.ExpressionAttributeNames = { ...claim.ExpressionAttributeNames, '#lastRunIndex': 'lastRunIndex' };
    claim.ExpressionAttributeValues = {
      ...claim.ExpressionAttributeValues,
      ':none': null,
      ':period': next.lastRunIndex,
    };
    return this.invoices.createWith(invoice, change, numbering, [{ Put: claim }], () => new RunClaimed());
  }

  private versionedPut(previous: RecurringInvoice, next: RecurringInvoice) {
    return {
      TableName: this.tableName,
      Item: this.toItem(next),
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: { '#version': 'version' } as Record<string, string>,
      ExpressionAttributeValues: { ':expected': previous.version } as Record<string, unknown>,
    };
  }
}
