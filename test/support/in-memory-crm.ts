import type { Deal, Product, Quote } from '../../domain/crm/sales-records.js';
import type { ConversionDeps } from '../../domain/invoices/invoice-conversion.js';
import type { InvoiceLink, InvoiceLinkIndex, LinkedKind, Page } from '../../domain/ports.js';
import { InMemoryRecordStore, inMemoryDeps, type InMemoryInvoiceStore } from './in-memory.js';

/**
 * The record → invoices links, derived from the in-memory invoices themselves: the DynamoDB
 * adapter writes its link items in the invoice's own transaction, so the two always agree, and
 * this fake gives the use cases that same view. Newest first by invoice id; the cursor is the last id.
 */
export class InMemoryInvoiceLinkIndex implements InvoiceLinkIndex {
  constructor(private readonly invoices: InMemoryInvoiceStore) {}

  async list(
    accountId: string,
    kind: LinkedKind,
    recordId: string,
    limit: number,
    cursor: string | null,
  ): Promise<Page<InvoiceLink>> {
    const names = (i: { contacts: string[]; company: string | null; deals: string[]; quotes: string[] }) =>
      kind === 'contact'
        ? i.contacts.includes(recordId)
        : kind === 'company'
          ? i.company === recordId
          : kind === 'deal'
            ? i.deals.includes(recordId)
            : i.quotes.includes(recordId);
    const all = [...this.invoices.invoices.values()]
      .filter((i) => i.accountId === accountId && names(i) && (cursor === null || i.id < cursor))
      .sort((a, b) => (a.id < b.id ? 1 : -1));
    const items = all.slice(0, limit);
    return {
      items: items.map((i) => ({ invoiceId: i.id, issued: i.status !== 'draft' })),
      next: all.length > limit ? items.at(-1)!.id : null,
    };
  }
}

/** The invoice deps plus deals, quotes, products and links, all in memory. */
export function inMemoryCrmDeps(clockStart?: string) {
  const base = inMemoryDeps(clockStart);
  const deals = new InMemoryRecordStore<Deal>();
  const quotes = new InMemoryRecordStore<Quote>();
  const products = new InMemoryRecordStore<Product>();
  const links = new InMemoryInvoiceLinkIndex(base.invoices);
  const deps: ConversionDeps = { ...base.deps, deals, quotes, products };
  return { ...base, deps, deals, quotes, products, links };
}
