import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CreditNote } from '../../domain/credit-notes/credit-note.js';
import type { Invoice } from '../../domain/invoices/invoice.js';
import { formatInvoiceNumber } from '../../domain/invoices/numbering.js';
import type { Payment } from '../../domain/payments/payment.js';
import { VersionConflict, type LedgerStore, type NumberRequest } from '../../domain/ports.js';
import { isConditionFailure } from './dynamo-errors.js';
import type { DynamoInvoiceStore } from './invoice-store.js';
import { fromItem } from './items.js';
import { toInstant } from '../../domain/dates/calendar.js';
import { keys, LEDGER_SK } from './keys.js';
import { NumberedWriter } from './number-series.js';
import { fileStoredEntry, historyEntry, type Change } from '../../domain/audit/history.js';
import { creditNoteChainDocument, fileChainDocument } from '../../domain/audit/chain.js';
import { chainRequest, historyPut, witnessing } from './audit-items.js';

/** The credit note's PDF was marked ready (and chained) by an earlier call. */
class AlreadyReady extends Error {}

/**
 * Payments and credit notes in DynamoDB, beside their invoice. Every write is one
 * TransactWriteItems: the invoice's put conditional on the version that was read (built by the
 * invoice store, so the invoice item has one shape), plus the new item; a credit note also takes
 * its number from its own series in that transaction (number-series.ts, as invoices do).
 */
export class DynamoLedgerStore implements LedgerStore {
  private readonly writer: NumberedWriter;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly invoices: DynamoInvoiceStore,
  ) {
    this.writer = new NumberedWriter(db, tableName);
  }

  async recordPayment(previous: Invoice, next: Invoice, payment: Payment, change: Change): Promise<void> {
    await this.writer.write({
      items: () => [
        this.invoices.versionedPut(previous, next),
        {
          Put: {
            TableName: this.tableName,
            Item: { ...payment, ...keys.payment(payment.accountId, payment.invoiceId, payment.id), entity: 'payment' },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        historyPut(this.tableName, historyEntry(change, previous, next), next.version),
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...keys.paymentRef(payment.accountId, payment.id),
              entity: 'paymentRef',
              accountId: payment.accountId,
              invoiceId: payment.invoiceId,
              paymentId: payment.id,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
      ownFailure: (reasons) => {
        if (reasons[0] === 'ConditionalCheckFailed') return new VersionConflict();
        if (reasons[1] === 'ConditionalCheckFailed' || reasons[3] === 'ConditionalCheckFailed')
          return new Error(`payment ${payment.id} already exists`);
        return undefined;
      },
      busy: 'Too many payments are being recorded on this invoice at once; retry shortly',
    });
  }

  async issueCreditNote(
    previous: Invoice,
    next: Invoice,
    creditNote: CreditNote,
    numbering: NumberRequest,
    change: Change,
  ): Promise<CreditNote> {
    const { accountId, invoiceId, id } = creditNote;
    const numbered = (n: string | null): CreditNote => ({ ...creditNote, number: n ?? creditNote.number });
    const number = await this.writer.write({
      items: (n, link) => [
        this.invoices.versionedPut(previous, next),
        {
          Put: {
            TableName: this.tableName,
            Item: { ...numbered(n), ...keys.creditNote(accountId, invoiceId, id), entity: 'creditNote' },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...keys.creditNoteRef(accountId, id),
              entity: 'creditNoteRef',
              accountId,
              invoiceId,
              creditNoteId: id,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        witnessing(
          historyPut(
            this.tableName,
            historyEntry({ ...change, detail: { ...change.detail, creditNoteNumber: n } }, previous, next),
            next.version,
          ),
          link,
        ),
      ],
      chain: chainRequest(accountId, (n) => creditNoteChainDocument(numbered(n))),
      series: {
        counterKey: keys.creditNoteCounter(accountId, numbering.prefix),
        startNumber: numbering.startNumber,
        format: (n) => formatInvoiceNumber(numbering.prefix, n),
        guard: (n) => ({
          ...keys.creditNoteNumber(accountId, n),
          entity: 'creditNoteNumber',
          creditNoteId: id,
          invoiceId,
        }),
      },
      ownFailure: (reasons) => {
        if (reasons[0] === 'ConditionalCheckFailed') return new VersionConflict();
        if (reasons.slice(1).includes('ConditionalCheckFailed')) return new Error(`credit note ${id} already exists`);
        return undefined;
      },
      busy: 'Too many credit notes are being numbered at once; retry shortly',
    });
    return numbered(number);
  }

  payments(accountId: string, invoiceId: string): Promise<Payment[]> {
    return this.queryBeside<Payment>(keys.payment(accountId, invoiceId, '').pk, LEDGER_SK.payment);
  }

  creditNotes(accountId: string, invoiceId: string): Promise<CreditNote[]> {
    return this.queryBeside<CreditNote>(keys.creditNote(accountId, invoiceId, '').pk, LEDGER_SK.creditNote);
  }

  async getCreditNote(accountId: string, id: string): Promise<CreditNote | null> {
    const ref = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.creditNoteRef(accountId, id), ConsistentRead: true }),
    );
    if (!ref.Item) return null;
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.creditNote(accountId, ref.Item.invoiceId as string, id),
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem<CreditNote>(Item) : null;
  }

  async markCreditNotePdfReady(creditNote: CreditNote, sha256: string, objectKey: string): Promise<void> {
    const { accountId, invoiceId, id } = creditNote;
    const at = toInstant(new Date());
    const file = { sha256, objectKey, creditNoteId: id };
    try {
      await this.writer.write({
        items: (_, link) => [
          {
            Update: {
              TableName: this.tableName,
              Key: keys.creditNote(accountId, invoiceId, id),
              UpdateExpression: 'SET pdf = :pdf',
              // Only the first rendering stored is marked and chained; a replay or a racing render is not.
              ConditionExpression: 'attribute_exists(pk) AND pdf.#status <> :ready',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':pdf': { status: 'ready', sha256 }, ':ready': 'ready' },
            },
          },
          witnessing(
            historyPut(
              this.tableName,
              fileStoredEntry(accountId, invoiceId, at, file),
              creditNote.invoiceVersion,
              undefined,
              id,
            ),
            link,
          ),
        ],
        chain: chainRequest(accountId, () =>
          fileChainDocument({ documentId: id, invoiceId, number: creditNote.number, sha256, objectKey, at }),
        ),
        ownFailure: (reasons) => (reasons[0] === 'ConditionalCheckFailed' ? new AlreadyReady() : undefined),
        busy: 'Too many documents are being chained at once; retry shortly',
      });
    } catch (e) {
      if (!(e instanceof AlreadyReady) && !isConditionFailure(e)) throw e;
    }
  }

  /**
   * Every item of one kind beside an invoice, oldest first, strongly consistent: a payment written
   * with invoice version N is seen by whoever then reads version N. An invoice's payments and credit
   * notes are few (each moves the balance), so the pages are read to the end.
   */
  private async queryBeside<T>(pk: string, skPrefix: string): Promise<T[]> {
    const out: T[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      out.push(...(page.Items ?? []).map((i) => fromItem<T>(i)));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }
}
