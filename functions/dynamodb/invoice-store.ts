import { GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '../../domain/errors.js';
import type { Invoice } from '../../domain/invoices/invoice.js';
import { formatInvoiceNumber, nextNumber } from '../../domain/invoices/numbering.js';
import { VersionConflict, type InvoiceStore, type NumberRequest, type Page } from '../../domain/ports.js';
import { queryCollection } from './cursor.js';
import { cancellationReasons, isConditionFailure, isTransactionConflict, jitter, unavailable } from './dynamo-errors.js';
import { fromItem } from './items.js';
import { collections, keys, overdueIndexKeys } from './keys.js';

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

const MAX_NUMBERING_ATTEMPTS = 60;

/** The counter's current value from a cancelled transaction (the item comes back in DynamoDB JSON). */
function reportedCounter(e: unknown, index: number): number | undefined {
  const item = (e as { CancellationReasons?: { Item?: { next?: { N?: string } | number } }[] }).CancellationReasons?.[index]?.Item;
  const next = item?.next;
  const n = typeof next === 'number' ? next : Number(next?.N);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * Invoices in DynamoDB. A number is handed out by one TransactWriteItems that bumps the prefix's
 * counter (conditional on the value read), puts a guard item for the number and writes the
 * invoice; a lost race on the counter retries with jitter. So a number is never issued twice, and
 * since the counter only moves when an invoice takes its number, never skipped.
 */
export class DynamoInvoiceStore implements InvoiceStore {
  /**
   * Numbering writes for one counter run one at a time within this process. In Lambda an instance
   * serves one request at a time, so this changes nothing there; where one process serves many
   * requests (the local runtime) it keeps them from racing each other for the counter, leaving the
   * conditional write to settle races between processes.
   */
  private readonly counterQueues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private toItem(invoice: Invoice): Record<string, unknown> {
    return {
      ...invoice,
      ...keys.invoice(invoice.accountId, invoice.id),
      gsi1pk: collections.invoices(invoice.accountId),
      gsi1sk: invoice.id,
      ...overdueIndexKeys(invoice),
      entity: 'invoice',
    };
  }

  /** The invoice a buyer-facing slug names (slugs are global, so no account is needed). */
  async getBySlug(domain: string | null, slug: string): Promise<Invoice | null> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.slug(domain, slug) }));
    return Item ? this.get(Item.accountId as string, Item.invoiceId as string) : null;
  }

  async get(accountId: string, id: string): Promise<Invoice | null> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.invoice(accountId, id), ConsistentRead: true }));
    return Item ? fromItem<Invoice>(Item) : null;
  }

  list(accountId: string, limit: number, cursor: string | null): Promise<Page<Invoice>> {
    return queryCollection<Invoice>(this.db, this.tableName, collections.invoices(accountId), limit, cursor);
  }


  create(invoice: Invoice, numbering?: NumberRequest): Promise<Invoice> {
    const put = (inv: Invoice): TransactItem[] => [
      { Put: { TableName: this.tableName, Item: this.toItem(inv), ConditionExpression: 'attribute_not_exists(pk)' } },
      this.slugPut(inv),
    ];
    return this.write(invoice, put, numbering, 'create');
  }

  replace(previous: Invoice, next: Invoice, numbering?: NumberRequest): Promise<Invoice> {
    const slugMoved = previous.slug !== next.slug || previous.domain !== next.domain;
    const items = (inv: Invoice): TransactItem[] => [
      {
        Put: {
          TableName: this.tableName,
          Item: this.toItem(inv),
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': previous.version },
        },
      },
      ...(slugMoved ? [this.slugPut(inv), { Delete: { TableName: this.tableName, Key: keys.slug(previous.domain, previous.slug) } }] : []),
    ];
    return this.write(next, items, numbering, 'replace');
  }

  async remove(invoice: Invoice): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.tableName,
                Key: keys.invoice(invoice.accountId, invoice.id),
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': invoice.version },
              },
            },
            { Delete: { TableName: this.tableName, Key: keys.slug(invoice.domain, invoice.slug) } },
          ],
        }),
      );
    } catch (e) {
      const reasons = cancellationReasons(e);
      if (reasons?.[0] === 'ConditionalCheckFailed') throw new VersionConflict();
      throw e;
    }
  }

  private slugPut(inv: Invoice): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...keys.slug(inv.domain, inv.slug), entity: 'slug', accountId: inv.accountId, invoiceId: inv.id },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /**
   * Writes the invoice's items, plus the counter and number guard when a number is to be handed
   * out. The invoice's own put is always the first item, so its condition failing means a version
   * conflict (replace); the slug put follows.
   */
  private write(invoice: Invoice, items: (inv: Invoice) => TransactItem[], numbering: NumberRequest | undefined, mode: 'create' | 'replace'): Promise<Invoice> {
    if (!numbering) return this.attemptWrites(invoice, items, undefined, mode);
    const queueKey = `${invoice.accountId}#${numbering.prefix}`;
    const previous = this.counterQueues.get(queueKey) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.attemptWrites(invoice, items, numbering, mode));
    this.counterQueues.set(queueKey, run);
    void run.finally(() => {
      if (this.counterQueues.get(queueKey) === run) this.counterQueues.delete(queueKey);
    }).catch(() => undefined);
    return run;
  }

  private async attemptWrites(invoice: Invoice, items: (inv: Invoice) => TransactItem[], numbering: NumberRequest | undefined, mode: 'create' | 'replace'): Promise<Invoice> {
    // The counter value a lost race reported back; saves re-reading it before the next attempt.
    let reported: number | undefined;
    for (let attempt = 0; attempt < MAX_NUMBERING_ATTEMPTS; attempt++) {
      let inv = invoice;
      const numberItems: TransactItem[] = [];
      if (numbering) {
        const counterKey = keys.invoiceCounter(invoice.accountId, numbering.prefix);
        let stored: number | null;
        if (reported !== undefined) stored = reported;
        else {
          const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: counterKey, ConsistentRead: true }));
          stored = Item ? (Item.next as number) : null;
        }
        reported = undefined;
        const n = nextNumber(stored, numbering.startNumber);
        inv = { ...invoice, number: formatInvoiceNumber(numbering.prefix, n) };
        numberItems.push(
          {
            Update: {
              TableName: this.tableName,
              Key: counterKey,
              UpdateExpression: 'SET #next = :after, entity = :entity',
              ConditionExpression: stored === null ? 'attribute_not_exists(pk)' : '#next = :read',
              ExpressionAttributeNames: { '#next': 'next' },
              ExpressionAttributeValues: { ':after': n + 1, ':entity': 'counter', ...(stored === null ? {} : { ':read': stored }) },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { ...keys.invoiceNumber(invoice.accountId, inv.number!), entity: 'invoiceNumber', invoiceId: invoice.id },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        );
      }
      const own = items(inv);
      try {
        if (own.length === 1 && numberItems.length === 0) {
          await this.db.send(new PutCommand(own[0]!.Put!));
        } else {
          await this.db.send(new TransactWriteCommand({ TransactItems: [...own, ...numberItems] }));
        }
        return inv;
      } catch (e) {
        if (isConditionFailure(e)) throw new VersionConflict();
        const reasons = cancellationReasons(e);
        if (!reasons) throw e;
        if (reasons[0] === 'ConditionalCheckFailed') {
          if (mode === 'replace') throw new VersionConflict();
          throw new Error(`invoice ${invoice.id} already exists`);
        }
        if (reasons[1] === 'ConditionalCheckFailed' && own.length > 1) {
          const detail = `The slug ${inv.slug} is already used${inv.domain ? ` on ${inv.domain}` : ''}`;
          throw new DomainError('conflict', detail, [{ path: 'slug', message: 'is already used' }]);
        }
        // Counter moved (another invoice took the number) or a transient transaction conflict: retry.
        const counterLost = reasons.slice(own.length).some((r) => r === 'ConditionalCheckFailed');
        if (!counterLost && !isTransactionConflict(reasons)) throw e;
        if (reasons[own.length] === 'ConditionalCheckFailed') reported = reportedCounter(e, own.length);
        await jitter(attempt);
      }
    }
    throw unavailable('Too many invoices are being numbered at once; retry shortly');
  }
}
