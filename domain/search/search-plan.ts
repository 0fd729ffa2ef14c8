import { INVOICE_STATUSES, type InvoiceStatus } from '../invoices/status-machine.js';
import type { IndexScan } from '../ports.js';
import type { CompiledGroup, CompiledSort, KeyRange } from './compile-filters.js';
import type { InvoiceProperty } from './invoice-properties.js';

/**
 * How one filter group is read. `ordered`: index reads that already come in the sort's order, so
 * a page stops after `limit` matches (or the read budget). `sorted`: a narrow set of candidates
 * (one contact's invoices, a few numbers…) read whole and sorted in memory, up to a cap; past the
 * cap the `fallback` (an ordered read of the whole account) takes over, or the search is refused.
 */
export type Source =
  | { kind: 'scan'; scan: IndexScan }
  | { kind: 'linked'; record: 'contact' | 'company' | 'associationLabel'; id: string }
  | { kind: 'metadata'; key: string; value: string };
export type GroupPlan =
  { mode: 'ordered'; scans: IndexScan[] } | { mode: 'sorted'; sources: Source[]; fallback: IndexScan[] | null };

/** The property each index is ordered by (then by id). */
export const INDEX_ORDER: Record<IndexScan['index'], InvoiceProperty> = {
  created: 'createdAt',
  owner: 'createdAt',
  status: 'dueDate',
  number: 'number',
};

/** Sorts an index serves in order; other sorts are done in memory over a bounded candidate set. */
export const STREAMABLE_SORTS: readonly InvoiceProperty[] = ['createdAt', 'dueDate', 'number'];

/** The exact values an EQ or IN filter of the group pins a property to (the first such filter). */
function pinned(group: CompiledGroup, property: InvoiceProperty): string[] | null {
  const f = group.filters.find((x) => x.property === property && x.keyValues && x.keyValues.length > 0);
  return f ? [...new Set(f.keyValues)] : null;
}

/** The tightest range the group's filters put on a property, or null when they put none. */
function range(group: CompiledGroup, property: InvoiceProperty): KeyRange | null {
  let lo: string | undefined;
  let hi: string | undefined;
  for (const f of group.filters) {
    if (f.property !== property) continue;
    const sorted = f.keyValues?.length ? [...f.keyValues].sort() : undefined;
    const bounds: KeyRange | undefined = f.keyRange ?? (sorted ? { lo: sorted[0], hi: sorted.at(-1) } : undefined);
    if (bounds?.lo !== undefined && (lo === undefined || bounds.lo > lo)) lo = bounds.lo;
    if (bounds?.hi !== undefined && (hi === undefined || bounds.hi < hi)) hi = bounds.hi;
  }
  return lo === undefined && hi === undefined
    ? null
    : { ...(lo !== undefined ? { lo } : {}), ...(hi !== undefined ? { hi } : {}) };
}

const withRange = (scan: IndexScan, r: KeyRange | null): IndexScan => (r ? { ...scan, range: r } : scan);

/** Index reads that serve the group in the sort's order and narrow by one of its filters. */
function orderedScans(group: CompiledGroup, sort: InvoiceProperty): IndexScan[] | null {
  if (sort === 'number') {
    const numbers = pinned(group, 'number');
    if (numbers) return numbers.map((n) => ({ index: 'number', range: { lo: n, hi: n } }));
    const r = range(group, 'number');
    if (r) return [{ index: 'number', range: r }];
  }
  if (sort === 'createdAt') {
    const owners = pinned(group, 'owner');
    if (owners) return owners.map((owner) => withRange({ index: 'owner', owner }, range(group, 'createdAt')));
    const r = range(group, 'createdAt');
    if (r) return [{ index: 'created', range: r }];
  }
  if (sort === 'dueDate') {
    const statuses = pinned(group, 'status');
    if (statuses)
      return statuses.map((s) => withRange({ index: 'status', status: s as InvoiceStatus }, range(group, 'dueDate')));
  }
  return null;
}

/** The whole account in the sort's order, where an index holds that order. */
function wholeAccount(sort: InvoiceProperty): IndexScan[] | null {
  if (sort === 'createdAt') return [{ index: 'created' }];
  if (sort === 'number') return [{ index: 'number' }];
  if (sort === 'dueDate') return INVOICE_STATUSES.map((status) => ({ index: 'status', status }));
  return null;
}

/**
 * Narrow candidate sets, most selective first: a metadata value, numbers, one contact's or company's invoices, an
 * owner's. Status and date ranges are broad (most of an account may be `paid`), so they are used
 * only when no index holds the sort's order.
 */
function narrowSources(group: CompiledGroup, broadToo: boolean): Source[] | null {
  // An integrator's own key (an order id) is the most selective of all.
  const meta = group.filters.find((f) => f.metadataKey !== undefined && f.keyValues && f.keyValues.length > 0);
  if (meta) return [...new Set(meta.keyValues)].map((value) => ({ kind: 'metadata', key: meta.metadataKey!, value }));
  const numbers = pinned(group, 'number');
  if (numbers) return numbers.map((n) => ({ kind: 'scan', scan: { index: 'number', range: { lo: n, hi: n } } }));
  for (const record of ['contact', 'company'] as const) {
    const ids = pinned(group, record);
    if (ids) return ids.map((id) => ({ kind: 'linked', record, id }));
  }
  // An association label's invoices are the link items in its partition (functions/dynamodb/invoice-links.ts).
  const labels = pinned(group, 'associationLabel');
  if (labels) return labels.map((id) => ({ kind: 'linked', record: 'associationLabel', id }));
  const owners = pinned(group, 'owner');
  if (owners)
    return owners.map((owner) => ({
      kind: 'scan',
      scan: withRange({ index: 'owner', owner }, range(group, 'createdAt')),
    }));
  if (!broadToo) return null;
  const statuses = pinned(group, 'status');
  if (statuses)
    return statuses.map((s) => ({
      kind: 'scan',
      scan: withRange({ index: 'status', status: s as InvoiceStatus }, range(group, 'dueDate')),
    }));
  const created = range(group, 'createdAt');
  if (created) return [{ kind: 'scan', scan: { index: 'created', range: created } }];
  const numberRange = range(group, 'number');
  if (numberRange) return [{ kind: 'scan', scan: { index: 'number', range: numberRange } }];
  return null;
}

/** The read plan of one group for a sort. Never a table scan: every read is an index Query. */
export function planGroup(group: CompiledGroup, sort: CompiledSort): GroupPlan {
  const ordered = orderedScans(group, sort.property);
  if (ordered) return { mode: 'ordered', scans: ordered };
  const whole = wholeAccount(sort.property);
  const narrow = narrowSources(group, whole === null);
  if (narrow) return { mode: 'sorted', sources: narrow, fallback: whole };
  if (whole) return { mode: 'ordered', scans: whole };
  return { mode: 'sorted', sources: [{ kind: 'scan', scan: { index: 'created' } }], fallback: null };
}
