import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Invoice } from '../../domain/invoices/invoice.js';
import type { IndexScan, InvoiceSearchIndex, SortPosition } from '../../domain/ports.js';
import { fromItem } from './items.js';
import { INVOICE_LINK_PREFIX, SEARCH_INDEX, keys, metadataPartition, searchPartition, searchSortKey } from './keys.js';

/** Above every character of an id: `${value}#~` closes the range of a sort value. */
const ABOVE_IDS = '~';

/**
 * Search reads on the four search indexes (keys.ts `SEARCH_INDEX`) and on a record's invoice
 * links. Only Query and BatchGetItem: no request scans the table.
 */
export class DynamoInvoiceSearchIndex implements InvoiceSearchIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(
    accountId: string,
    scan: IndexScan,
    opts: { descending: boolean; after: SortPosition | null; limit: number },
  ) {
    const index = SEARCH_INDEX[scan.index];
    // The sort-value range as key bounds: every id under `lo` is at or above `lo#`, every id under `hi` below `hi#~`.
    let lo = scan.range?.lo !== undefined ? `${scan.range.lo}#` : undefined;
    let hi = scan.range?.hi !== undefined ? `${scan.range.hi}#${ABOVE_IDS}` : undefined;
    // Resuming: the bound moves to the last key taken, inclusive, and that one item is dropped.
    // (ExclusiveStartKey outside the key condition's range is an error, so the range itself moves.)
    const resume = opts.after ? searchSortKey(opts.after.value, opts.after.id) : undefined;
    if (resume !== undefined && !opts.descending && (lo === undefined || resume > lo)) lo = resume;
    if (resume !== undefined && opts.descending && (hi === undefined || resume < hi)) hi = resume;
    if (lo !== undefined && hi !== undefined && lo > hi) return { items: [], done: true };

    const condition = [`${index}pk = :pk`];
    const values: Record<string, string> = { ':pk': searchPartition(accountId, scan) };
    if (lo !== undefined && hi !== undefined) condition.push(`${index}sk BETWEEN :lo AND :hi`);
    else if (lo !== undefined) condition.push(`${index}sk >= :lo`);
    else if (hi !== undefined) condition.push(`${index}sk <= :hi`);
    if (lo !== undefined) values[':lo'] = lo;
    if (hi !== undefined) values[':hi'] = hi;

    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index,
        KeyConditionExpression: condition.join(' AND '),
        ExpressionAttributeValues: values,
        ScanIndexForward: !opts.descending,
        // One more than asked, since the resume item itself comes back and is dropped.
        Limit: opts.limit + (resume !== undefined ? 1 : 0),
      }),
    );
    const items = (out.Items ?? []).filter((i) => i[`${index}sk`] !== resume).map((i) => fromItem<Invoice>(i));
    return { items, done: !out.LastEvaluatedKey };
  }

  async linked(accountId: string, kind: 'contact' | 'company' | 'associationLabel', recordId: string, max: number) {
    return this.linkedFrom(accountId, keys.record(accountId, kind, recordId).pk, max);
  }

  async withMetadata(accountId: string, key: string, value: string, max: number) {
    return this.linkedFrom(accountId, metadataPartition(accountId, key, value), max);
  }

  /** The invoices a partition of links names (a record's, or a metadata value's), by BatchGetItem. */
  private async linkedFrom(accountId: string, pk: string, max: number) {
    const ids: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': pk,
            ':prefix': INVOICE_LINK_PREFIX,
          },
          ProjectionExpression: 'invoiceId',
          ExclusiveStartKey: start,
        }),
      );
      ids.push(...(out.Items ?? []).map((i) => i.invoiceId as string));
      start = out.LastEvaluatedKey;
    } while (start && ids.length <= max);
    if (ids.length > max) return { items: [], overflow: true };
    return { items: await this.getMany(accountId, ids), overflow: false };
  }

  /** BatchGetItem in hundreds, retrying what DynamoDB leaves unprocessed. */
  private async getMany(accountId: string, ids: string[]): Promise<Invoice[]> {
    const found: Invoice[] = [];
    for (let k = 0; k < ids.length; k += 100) {
      let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = {
        [this.tableName]: { Keys: ids.slice(k, k + 100).map((id) => keys.invoice(accountId, id)) },
      };
      for (let attempt = 0; request && Object.keys(request).length; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
        const out = await this.db.send(new BatchGetCommand({ RequestItems: request }));
        found.push(...(out.Responses?.[this.tableName] ?? []).map((i) => fromItem<Invoice>(i)));
        request = out.UnprocessedKeys as typeof request;
      }
    }
    return found;
  }
}
