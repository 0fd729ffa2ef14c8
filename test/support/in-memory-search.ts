import type { Invoice } from '../../domain/invoices/invoice.js';
import type { IndexScan, InvoiceSearchIndex, SortPosition } from '../../domain/ports.js';
import { sortValue } from '../../domain/search/invoice-properties.js';
import { INDEX_ORDER } from '../../domain/search/search-plan.js';

/**
 * The search indexes over a plain list, in the order the port promises (sort value, then id), with
 * the same range and resume rules. `reads` counts the invoices handed out, as DynamoDB would bill.
 */
export class InMemorySearchIndex implements InvoiceSearchIndex {
  reads = 0;
  constructor(readonly invoices: Invoice[]) {}

  private partition(accountId: string, scan: IndexScan): { key: string; inv: Invoice }[] {
    const prop = INDEX_ORDER[scan.index];
    return this.invoices
      .filter((i) => i.accountId === accountId)
      .filter((i) =>
        scan.index === 'owner' ? i.owner === scan.owner : scan.index === 'status' ? i.status === scan.status : true,
      )
      .map((inv) => ({ key: `${String(sortValue(inv, prop))}#${inv.id}`, value: String(sortValue(inv, prop)), inv }))
      .filter(
        ({ value }) =>
          (scan.range?.lo === undefined || value >= scan.range.lo) &&
          (scan.range?.hi === undefined || value <= scan.range.hi),
      )
      .sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  async read(
    accountId: string,
    scan: IndexScan,
    opts: { descending: boolean; after: SortPosition | null; limit: number },
  ) {
    let rows = this.partition(accountId, scan);
    if (opts.descending) rows.reverse();
    if (opts.after) {
      const at = `${opts.after.value}#${opts.after.id}`;
      rows = rows.filter(({ key }) => (opts.descending ? key < at : key > at));
    }
    const items = rows.slice(0, opts.limit).map((r) => r.inv);
    this.reads += items.length;
    return { items, done: rows.length <= opts.limit };
  }

  async linked(accountId: string, kind: 'contact' | 'company', recordId: string, max: number) {
    const all = this.invoices.filter(
      (i) => i.accountId === accountId && (kind === 'contact' ? i.contacts.includes(recordId) : i.company === recordId),
    );
    if (all.length > max) return { items: [], overflow: true };
    this.reads += all.length;
    return { items: all, overflow: false };
  }

  async withMetadata(accountId: string, key: string, value: string, max: number) {
    const all = this.invoices.filter(
      (i) => i.accountId === accountId && i.metadata && Object.hasOwn(i.metadata, key) && i.metadata[key] === value,
    );
    if (all.length > max) return { items: [], overflow: true };
    this.reads += all.length;
    return { items: all, overflow: false };
  }
}
