import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { einvoiceChainDocument } from '../../domain/audit/chain.js';
import { toInstant } from '../../domain/dates/calendar.js';
import type { EinvoiceRecordStore } from '../../domain/ports.js';
import { fileStoredEntry } from '../../domain/audit/history.js';
import { chainRequest, historyPut, witnessing } from './audit-items.js';
import { keys } from './keys.js';
import { NumberedWriter } from './number-series.js';

class AlreadyStored extends Error {}

/**
 * The e-invoice stored at finalization, beside its invoice (sort key EINVOICE). Written once: the
 * record is conditional on not existing, and the same transaction marks the invoice (`einvoice`,
 * no version bump: a derived fact, like `pdf`), writes its `einvoiceStored` history entry (the
 * witness of the link, chain-end.ts) and appends the file's chain link (`einvoice`).
 */
export class DynamoEinvoiceRecordStore implements EinvoiceRecordStore {
  private readonly writer: NumberedWriter;

  constructor(
    db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.writer = new NumberedWriter(db, tableName);
  }

  async store(
    invoice: { accountId: string; id: string; number: string | null; version: number },
    file: { key: string; sha256: string; syntax: 'ubl' },
  ): Promise<boolean> {
    const at = toInstant(new Date());
    try {
      await this.writer.write({
        items: (_, link) => [
          {
            Put: {
              TableName: this.tableName,
              Item: {
                ...keys.invoiceEinvoice(invoice.accountId, invoice.id),
                entity: 'invoiceEinvoice',
                accountId: invoice.accountId,
                invoiceId: invoice.id,
                objectKey: file.key,
                sha256: file.sha256,
                syntax: file.syntax,
                storedAt: at,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              TableName: this.tableName,
              Key: keys.invoice(invoice.accountId, invoice.id),
              UpdateExpression: 'SET einvoice = :e',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':e': { status: 'ready', sha256: file.sha256, syntax: file.syntax } },
            },
          },
          witnessing(
            historyPut(
              this.tableName,
              fileStoredEntry(
                invoice.accountId,
                invoice.id,
                at,
                { sha256: file.sha256, objectKey: file.key },
                'einvoiceStored',
              ),
              invoice.version,
            ),
            link,
          ),
        ],
        chain: chainRequest(invoice.accountId, () =>
          einvoiceChainDocument({
            documentId: invoice.id,
            invoiceId: invoice.id,
            number: invoice.number,
            sha256: file.sha256,
            objectKey: file.key,
            at,
          }),
        ),
        ownFailure: (reasons) => (reasons[0] === 'ConditionalCheckFailed' ? new AlreadyStored() : undefined),
        busy: 'Too many documents are being chained at once; retry shortly',
      });
      return true;
    } catch (e) {
      if (e instanceof AlreadyStored) return false;
      throw e;
    }
  }
}
