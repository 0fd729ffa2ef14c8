import { QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { historyEntry, type Change } from '../../domain/audit/history.js';
import type { Invoice } from '../../domain/invoices/invoice.js';
import type { ReminderPlan } from '../../domain/reminders/reminder-schedule.js';
import type { Reminder } from '../../domain/reminders/reminder.js';
import { VersionConflict, type ReminderIndex, type ReminderPage } from '../../domain/ports.js';
import { historyPut } from './audit-items.js';
import { cancellationReasons, isConditionFailure } from './dynamo-errors.js';
import type { DynamoInvoiceStore } from './invoice-store.js';
import { fromItem } from './items.js';
import {
  keys,
  REMINDER_SHARDS,
  REMINDER_SK,
  reminderIndexKeys,
  reminderShardKey,
  SEARCH_INDEX,
  searchPartition,
} from './keys.js';
import { readShardsBefore } from './sharded-index.js';

/** The sparse reminders index (infra/table-definition.ts). */
export const REMINDER_INDEX = 'gsi8';
/** The search index of an account's invoices by status (the type keeps it equal to SEARCH_INDEX.status). */
const STATUS_INDEX = 'gsi5' satisfies typeof SEARCH_INDEX.status;
/** Open invoices re-keyed at once when the reminder plan changes: one page of the status index. */
const REKEY_PAGE = 50;

/**
 * Reminders in DynamoDB: the job's index (gsi8, keyed by the invoice store in every invoice
 * write), the claim transaction, and one item per reminder beside its invoice.
 */
export class DynamoReminderStore implements ReminderIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly invoices: DynamoInvoiceStore,
    /** Items per index Query page; DynamoDB's 1 MB page limit applies either way. */
    private readonly pageSize?: number,
  ) {}

  async *readDue(before: string): AsyncIterable<ReminderPage> {
    const pages = readShardsBefore({
      db: this.db,
      tableName: this.tableName,
      indexName: REMINDER_INDEX,
      shards: REMINDER_SHARDS,
      shardKey: reminderShardKey,
      bound: before,
      attributes: ['accountId', 'id', 'gsi8sk'],
      pageSize: this.pageSize,
    });
    for await (const { items, itemsRead } of pages) {
      yield {
        candidates: items.map((i) => ({
          accountId: i.accountId as string,
          invoiceId: i.id as string,
          remindOn: String(i.gsi8sk).slice(0, 10),
        })),
        itemsRead,
      };
    }
  }

  async claim(previous: Invoice, next: Invoice, reminder: Reminder | null, change: Change): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            this.invoices.versionedPut(previous, next),
            ...(reminder
              ? [
                  {
                    Put: {
                      TableName: this.tableName,
                      Item: {
                        ...reminder,
                        ...keys.reminder(reminder.accountId, reminder.invoiceId, reminder.id),
                        entity: 'reminder',
                      },
                      ConditionExpression: 'attribute_not_exists(pk)',
                    },
                  },
                ]
              : []),
            historyPut(this.tableName, historyEntry(change, previous, next), next.version),
          ],
        }),
      );
    } catch (e) {
      if (cancellationReasons(e)?.[0] === 'ConditionalCheckFailed') throw new VersionConflict();
      throw e;
    }
  }

  async list(accountId: string, invoiceId: string): Promise<Reminder[]> {
    const out: Reminder[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.invoice(accountId, invoiceId).pk, ':prefix': REMINDER_SK },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      out.push(...(page.Items ?? []).map((i) => fromItem<Reminder>(i)));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async rekey(invoice: Invoice, plan: ReminderPlan): Promise<boolean> {
    const index = reminderIndexKeys({ ...invoice, reminderPlan: plan });
    const indexed = 'gsi8pk' in index;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.invoice(invoice.accountId, invoice.id),
          UpdateExpression: indexed
            ? 'SET #plan = :plan, #gsi8pk = :pk, #gsi8sk = :sk'
            : 'SET #plan = :plan REMOVE #gsi8pk, #gsi8sk',
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: {
            '#plan': 'reminderPlan',
            '#version': 'version',
            '#gsi8pk': 'gsi8pk',
            '#gsi8sk': 'gsi8sk',
          },
          ExpressionAttributeValues: {
            ':plan': plan,
            ':version': invoice.version,
            ...(indexed ? { ':pk': index.gsi8pk, ':sk': index.gsi8sk } : {}),
          },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  async rekeyAccount(accountId: string, plan: ReminderPlan): Promise<number> {
    let moved = 0;
    let start: Record<string, unknown> | undefined;
    // Every open invoice is written, even one that seems to be on the plan already: the status index
    // may be a moment old (a re-key makes no new version), so what it shows cannot be trusted to
    // skip one. A run cut short and tried again writes them all again: idempotent.
    const move = async (inv: Invoice): Promise<boolean> => {
      if (await this.rekey(inv, plan)) return true;
      // A newer version was written with its own plan's keys by whoever wrote it: re-read and try
      // again once before leaving it.
      const fresh = await this.invoices.get(accountId, inv.id);
      return !!fresh && fresh.status === 'open' && this.rekey(fresh, plan);
    };
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: STATUS_INDEX,
          KeyConditionExpression: `${STATUS_INDEX}pk = :pk`,
          ExpressionAttributeValues: { ':pk': searchPartition(accountId, { index: 'status', status: 'open' }) },
          ExclusiveStartKey: start,
          Limit: REKEY_PAGE,
        }),
      );
      // A page's updates at once: an account with thousands of open invoices moves in seconds.
      const results = await Promise.all((page.Items ?? []).map((item) => move(fromItem<Invoice>(item))));
      moved += results.filter(Boolean).length;
      start = page.LastEvaluatedKey;
    } while (start);
    return moved;
  }
}
