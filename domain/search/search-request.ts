import type { Actor } from '../auth/actor.js';
import type { Invoice } from '../invoices/invoice.js';
import type { RecordStore } from '../ports.js';
import { checkProperties } from './compile-filters.js';
import type { InvoiceProperty } from './invoice-properties.js';
import type { SearchInput } from './search-input.js';
import { searchInvoices, type SearchDeps } from './search-invoices.js';
import { getView, type View } from './views.js';

/**
 * A search as the API receives it: a saved view (`viewId`) lends its filters, sort and columns
 * unless the body gives its own, so a view runs through the same search as any request.
 */
export async function searchRequest(
  deps: SearchDeps & { views: RecordStore<View> },
  actor: Actor,
  input: SearchInput,
): Promise<{ items: Invoice[]; next: string | null; properties: InvoiceProperty[] | undefined }> {
  const view = input.viewId ? await getView(deps, actor, input.viewId) : null;
  const properties = checkProperties(input.properties ?? view?.properties ?? undefined);
  const page = await searchInvoices(deps, actor, {
    filterGroups: input.filterGroups ?? view?.filterGroups,
    sorts: input.sorts ?? (view?.sorts.length ? view.sorts : undefined),
    limit: input.limit,
    after: input.after,
  });
  return { items: page.items, next: page.next, properties };
}
