import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '../../domain/errors.js';
import type { Invoice } from '../../domain/invoices/invoice.js';
import { formatInvoiceNumber } from '../../domain/invoices/numbering.js';
import {
  StaleSettings,
  VersionConflict,
  type InvoiceStore,
  type NumberRequest,
  type Page,
} from '../../domain/ports.js';
import { queryCollection } from './cursor.js';
import { cancellationReasons } from './dynamo-errors.js';
import { fromItem } from './items.js';
import { collections, keys, overdueIndexKeys, reminderIndexKeys, searchIndexKeys } from './keys.js';
import { counterFields, NumberedWriter, type TransactItem } from './number-series.js';
import { linkWrites } from './invoice-links.js';
import { historyEntry, DELETED_HISTORY_DAYS, type Change } from '../../domain/audit/history.js';
import { invoiceChainDocument, isIssue } from '../../domain/audit/chain.js';
import { chainRequest, historyPut, witnessing } from './audit-items.js';
import type { ChainLink } from './chain-end.js';
import { expireHistory } from './audit-log.js';

/**
 * Invoices in DynamoDB. A number comes from the prefix's counter with a guard item for it
 * (number-series.ts): gapless, the counter bump (conditional on the value read), the guard and the
 * invoice in one TransactWriteItems, a lost race retried with jitter; or, for onCreate numbering
 * (`NumberRequest.increment`), an atomic increment checked against the settings version, then the
 * invoice and its guard in one transaction. Either way a number is never issued twice.
 */
export class DynamoInvoiceStore implements InvoiceStore {
  /** The counter + guard mechanism (number-series.ts), with its per-counter queue in this process. */
  private readonly writer: NumberedWriter;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.writer = new NumberedWriter(db, tableName);
  }

  private toItem(invoice: Invoice): Record<string, unknown> {
    return {
      ...invoice,
      ...keys.invoice(invoice.accountId, invoice.id),
      gsi1pk: collections.invoices(invoice.accountId),
      gsi1sk: invoice.id,
      ...overdueIndexKeys(invoice),
      // In every write of the invoice: a payment, void, pause or new due date moves it in (or out of) the index.
      ...reminderIndexKeys(invoice),
      ...searchIndexKeys(invoice),
      entity: 'invoice',
    };
  }

  /** The invoice a buyer-facing slug names (slugs are global, so no account is needed). */
  async getBySlug(domain: string | null, slug: string): Promise<Invoice | null> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.slug(domain, slug) }));
    return Item ? this.get(Item.accountId as string, Item.invoiceId as string) : null;
  }

  async get(accountId: string, id: string): Promise<Invoice | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.invoice(accountId, id), ConsistentRead: true }),
    );
    return Item ? fromItem<Invoice>(Item) : null;
  }

  list(accountId: string, limit: number, cursor: string | null): Promise<Page<Invoice>> {
    return queryCollection<Invoice>(this.db, this.tableName, collections.invoices(accountId), limit, cursor);
  }

  create(invoice: Invoice, change: Change, numbering?: NumberRequest): Promise<Invoice> {
    return this.createWith(invoice, change, numbering);
  }

  /**
   * `create`, with further items another adapter composes into the same transaction (a recurring
   * schedule's claim of its period: recurring-store.ts), placed after the invoice's own. When one
   * of them fails its condition, `extraFailure` is thrown and nothing is written.
   */
  createWith(
    invoice: Invoice,
    change: Change,
    numbering?: NumberRequest,
    extra: TransactItem[] = [],
    extraFailure?: () => Error,
  ): Promise<Invoice> {
    const put = (inv: Invoice, link: ChainLink | null): TransactItem[] => [
      { Put: { TableName: this.tableName, Item: this.toItem(inv), ConditionExpression: 'attribute_not_exists(pk)' } },
      this.slugPut(inv),
      ...linkWrites(this.tableName, null, inv),
      witnessing(historyPut(this.tableName, historyEntry(change, null, inv), inv.version), link),
      ...extra,
    ];
    // An invoice born open (a recurring run with autoFinalize) is issued by its create.
    return this.write(invoice, put, numbering, 'create', {
      issue: invoice.status !== 'draft',
      extraCount: extra.length,
      ...(extraFailure ? { extraFailure } : {}),
    });
  }

  replace(previous: Invoice, next: Invoice, change: Change, numbering?: NumberRequest): Promise<Invoice> {
    const slugMoved = previous.slug !== next.slug || previous.domain !== next.domain;
    const items = (inv: Invoice, link: ChainLink | null): TransactItem[] => [
      {
        Put: {
          TableName: this.tableName,
          Item: this.toItem(inv),
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': previous.version },
        },
      },
      ...(slugMoved
        ? [this.slugPut(inv), { Delete: { TableName: this.tableName, Key: keys.slug(previous.domain, previous.slug) } }]
        : []),
      ...linkWrites(this.tableName, previous, inv),
      // Last, so the indexes the failure mapping reads (invoice 0, slug 1) stay where they were.
      witnessing(historyPut(this.tableName, historyEntry(change, previous, inv), inv.version), link),
    ];
    return this.write(next, items, numbering, 'replace', { issue: isIssue(previous, next) });
  }

  /**
   * Deletes a draft with a `deleted` entry, then sets the expiry of its earlier entries (their
   * content stays as written): the history is readable by id for DELETED_HISTORY_DAYS, then TTL
   * removes it. If the process stops between the two, the stream's REMOVE record sets them
   * (expireDeletedHistory, from the deletion entry's expiry).
   */
  async remove(invoice: Invoice, change: Change): Promise<void> {
    const expiresAt = Math.floor(new Date(change.at).getTime() / 1000) + DELETED_HISTORY_DAYS * 86_400;
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
            ...linkWrites(this.tableName, invoice, null),
            // The deletion comes after the version it deletes: its key sorts after that version's entry.
            historyPut(this.tableName, historyEntry(change, invoice, null), invoice.version + 1, expiresAt),
          ],
        }),
      );
    } catch (e) {
      const reasons = cancellationReasons(e);
      if (reasons?.[0] === 'ConditionalCheckFailed') throw new VersionConflict();
      throw e;
    }
    await expireHistory(this.db, this.tableName, invoice.accountId, invoice.id, expiresAt);
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
   * The conditional put `replace` makes of `next` over `previous`, for a transaction another
   * adapter composes around the invoice (payments and credit notes: functions/dynamodb/ledger-store.ts),
   * so the invoice item is built in this one place.
   */
  versionedPut(previous: Invoice, next: Invoice): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: this.toItem(next),
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': previous.version },
      },
    };
  }

  /**
   * Writes the invoice's items, plus the counter and number guard when a number is to be handed
   * out (number-series.ts). The invoice's own put is always the first item, so its condition
   * failing means a version conflict (replace); the slug put follows.
   */
  private async write(
    invoice: Invoice,
    items: (inv: Invoice, link: ChainLink | null) => TransactItem[],
    numbering: NumberRequest | undefined,
    mode: 'create' | 'replace',
    opts: { issue?: boolean; extraCount?: number; extraFailure?: () => Error } = {},
  ): Promise<Invoice> {
    const numbered = (n: string | null): Invoice => (n === null ? invoice : { ...invoice, number: n });
    const number = await this.writer.write({
      items: (n, link) => items(numbered(n), link),
      ...(opts.issue ? { chain: chainRequest(invoice.accountId, (n) => invoiceChainDocument(numbered(n))) } : {}),
      series: numbering && {
        counterKey: keys.invoiceCounter(invoice.accountId, numbering.prefix),
        startNumber: numbering.startNumber,
        format: (n) => formatInvoiceNumber(numbering.prefix, n),
        guard: (n) => ({ ...keys.invoiceNumber(invoice.accountId, n), entity: 'invoiceNumber', invoiceId: invoice.id }),
        ...(numbering.increment
          ? {
              increment: {
                basis: numbering.increment,
                stamp: counterFields(
                  invoice.accountId,
                  {
                    version: numbering.increment.settingsVersion,
                    prefix: numbering.prefix,
                    startNumber: numbering.startNumber,
                    numbering: 'onCreate',
                  },
                  true,
                ),
                stale: () => new StaleSettings(),
              },
            }
          : {}),
      },
      ownFailure: (reasons) => {
        // The composed items come last among the caller's own (see createWith).
        if (opts.extraCount && reasons.slice(-opts.extraCount).includes('ConditionalCheckFailed'))
          return opts.extraFailure?.() ?? new Error('a composed write failed its condition');
        if (reasons[0] === 'ConditionalCheckFailed')
          return mode === 'replace' ? new VersionConflict() : new Error(`invoice ${invoice.id} already exists`);
        if (reasons[1] === 'ConditionalCheckFailed' && reasons.length > 1) {
          const detail = `The slug ${invoice.slug} is already used${invoice.domain ? ` on ${invoice.domain}` : ''}`;
          return new DomainError('conflict', detail, [{ path: 'slug', message: 'is already used' }]);
        }
        // The only other conditions among the invoice's own items: an association label it newly
        // names must exist and not be being deleted (invoice-links.ts).
        if (reasons.includes('ConditionalCheckFailed'))
          return new DomainError('conflict', 'An association label of this change was deleted meanwhile', [
            { path: 'labels', message: 'names a label that no longer exists' },
          ]);
        return undefined;
      },
      busy: 'Too many invoices are being numbered at once; retry shortly',
    });
    return numbered(number);
  }
}
