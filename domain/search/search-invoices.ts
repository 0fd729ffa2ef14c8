import { createHash } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import { fieldError } from '../errors.js';
import { badCursor, decodeCursorJson, encodeCursorJson } from '../paging.js';
import type { Invoice } from '../invoices/invoice.js';
import type { IndexScan, InvoiceSearchIndex, SettingsStore, SortPosition } from '../ports.js';
import { getSettings } from '../settings/settings-use-cases.js';
import { compileSearch, type CompiledGroup, type CompiledSort } from './compile-filters.js';
import { sortValue } from './invoice-properties.js';
import { INDEX_ORDER, STREAMABLE_SORTS, planGroup, type Source } from './search-plan.js';
import type { FilterGroupInput, SortInput } from './search-input.js';

/**
 * Bounds on one request's reads. An ordered read stops after `readBudget` index items and answers
 * with the matches so far and a cursor (possibly an empty page that is not the last), so a filter
 * no index narrows never reads an account whole in one request. A group sorted in memory may read
 * `sortCap` candidates; past that it falls back to an ordered read, or is refused.
 */
export const SEARCH_LIMITS = { readBudget: 1000, sortCap: 5000 };

export type SearchDeps = { search: InvoiceSearchIndex; settings: SettingsStore };
export type SearchQuery = { filterGroups?: FilterGroupInput[]; sorts?: SortInput[]; limit: number; after?: string };
export type SearchResult = { items: Invoice[]; next: string | null; itemsRead: number };

type Position = { value: string | number; id: string };

const positionOf = (inv: Invoice, sort: CompiledSort): Position => ({
  value: sortValue(inv, sort.property),
  id: inv.id,
});

function comparePositions(a: Position, b: Position, descending: boolean): number {
  const byValue = a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  const c = byValue !== 0 ? byValue : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  return descending ? -c : c;
}

/** A cursor is the position of the last invoice considered, tied to the query it came from. */
function queryHash(q: Pick<SearchQuery, 'filterGroups' | 'sorts'>): string {
  // Keys sorted: the same filters read back from storage (a saved view) may list them in another order.
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical([q.filterGroups ?? [], q.sorts ?? []])))
    .digest('base64url')
    .slice(0, 16);
}

function encodeCursor(p: Position, hash: string): string {
  return encodeCursorJson({ v: p.value, id: p.id, q: hash });
}

function decodeCursor(cursor: string | undefined, hash: string): Position | null {
  if (!cursor) return null;
  const c = decodeCursorJson(cursor, 'search');
  if (c.q !== hash || typeof c.id !== 'string' || (typeof c.v !== 'string' && typeof c.v !== 'number'))
    throw badCursor('search');
  return { value: c.v, id: c.id };
}

type Budget = { remaining: number; read: number };
const BLOCKED = Symbol('blocked');
type Head = Invoice | null | typeof BLOCKED;

interface OrderedStream {
  /** The next invoice in order, null when none is left, BLOCKED when the read budget is spent. */
  head(): Promise<Head>;
  take(): void;
  /** Whether an invoice taken from this stream belongs in the results. */
  matches(inv: Invoice): boolean;
}

/** One index read, in order, fetched in growing chunks as the merge asks for more. */
class IndexStream implements OrderedStream {
  private buffer: Invoice[] = [];
  private done = false;
  private chunk: number;
  private last: SortPosition | null;

  constructor(
    private readonly search: InvoiceSearchIndex,
    private readonly accountId: string,
    private readonly scan: IndexScan,
    private readonly descending: boolean,
    after: Position | null,
    private readonly budget: Budget,
    readonly matches: (inv: Invoice) => boolean,
    firstChunk: number,
  ) {
    this.last = after && typeof after.value === 'string' ? { value: after.value, id: after.id } : null;
    this.chunk = firstChunk;
  }

  async head(): Promise<Head> {
    if (this.buffer.length) return this.buffer[0]!;
    if (this.done) return null;
    if (this.budget.remaining <= 0) return BLOCKED;
    const limit = Math.min(this.chunk, this.budget.remaining, 100);
    const { items, done } = await this.search.read(this.accountId, this.scan, {
      descending: this.descending,
      after: this.last,
      limit,
    });
    this.budget.remaining -= items.length;
    this.budget.read += items.length;
    this.chunk = Math.min(this.chunk * 2, 100);
    this.buffer = items;
    this.done = done || items.length === 0;
    const tail = items.at(-1);
    if (tail) this.last = { value: String(sortValue(tail, INDEX_ORDER[this.scan.index])), id: tail.id };
    return this.buffer[0] ?? null;
  }

  take() {
    this.buffer.shift();
  }
}

/** Candidates read whole, filtered and sorted in memory. */
class SortedStream implements OrderedStream {
  constructor(private readonly items: Invoice[]) {}
  async head(): Promise<Head> {
    return this.items[0] ?? null;
  }
  take() {
    this.items.shift();
  }
  matches() {
    return true;
  }
}

/** Reads a sorted group's sources whole; null if they hold more than the cap. */
async function readCandidates(
  deps: SearchDeps,
  accountId: string,
  sources: Source[],
  budget: Budget,
): Promise<Invoice[] | null> {
  const found = new Map<string, Invoice>();
  for (const source of sources) {
    const room = SEARCH_LIMITS.sortCap - found.size;
    if (source.kind === 'linked' || source.kind === 'metadata') {
      const { items, overflow } =
        source.kind === 'linked'
          ? await deps.search.linked(accountId, source.record, source.id, room)
          : await deps.search.withMetadata(accountId, source.key, source.value, room);
      budget.read += items.length;
      if (overflow) return null;
      for (const i of items) found.set(i.id, i);
      continue;
    }
    let after: SortPosition | null = null;
    for (;;) {
      const { items, done } = await deps.search.read(accountId, source.scan, { descending: false, after, limit: 100 });
      budget.read += items.length;
      for (const i of items) found.set(i.id, i);
      if (found.size > SEARCH_LIMITS.sortCap) return null;
      const tail = items.at(-1);
      if (done || !tail) break;
      after = { value: String(sortValue(tail, INDEX_ORDER[source.scan.index])), id: tail.id };
    }
  }
  return [...found.values()];
}

async function streamsFor(
  deps: SearchDeps,
  accountId: string,
  groups: CompiledGroup[],
  sort: CompiledSort,
  after: Position | null,
  budget: Budget,
  limit: number,
): Promise<OrderedStream[]> {
  const streams: OrderedStream[] = [];
  const ordered = (scans: IndexScan[], group: CompiledGroup) =>
    scans.map(
      (scan) => new IndexStream(deps.search, accountId, scan, sort.descending, after, budget, group.test, limit + 1),
    );
  for (const [gi, group] of groups.entries()) {
    const plan = planGroup(group, sort);
    if (plan.mode === 'ordered') {
      streams.push(...ordered(plan.scans, group));
      continue;
    }
    const candidates = await readCandidates(deps, accountId, plan.sources, budget);
    if (candidates) {
      const items = candidates
        .filter(group.test)
        .map((inv) => ({ inv, pos: positionOf(inv, sort) }))
        .filter(({ pos }) => !after || comparePositions(pos, after, sort.descending) > 0)
        .sort((a, b) => comparePositions(a.pos, b.pos, sort.descending))
        .map(({ inv }) => inv);
      streams.push(new SortedStream(items));
    } else if (plan.fallback) {
      streams.push(...ordered(plan.fallback, group));
    } else {
      throw fieldError(
        groups.length > 1 ? `filterGroups.${gi}` : 'sorts.0.propertyName',
        `More than ${SEARCH_LIMITS.sortCap} invoices match before sorting by ${sort.property}; narrow the filters (a number, contact, company or owner) or sort by ${STREAMABLE_SORTS.join(', ')}`,
      );
    }
  }
  return streams;
}

/**
 * `POST /invoices/search`: groups ORed, filters in a group ANDed, one sort (default: newest first),
 * paged by the position of the last invoice considered, so invoices created meanwhile neither
 * repeat nor hide the ones already there. Reads come from indexes only (search-plan.ts): the
 * streams of every group are merged in sort order, an invoice matching two groups appearing once.
 */
export async function searchInvoices(deps: SearchDeps, actor: Actor, query: SearchQuery): Promise<SearchResult> {
  const settings = await getSettings(deps, actor.accountId);
  const { groups, sort } = compileSearch(query.filterGroups, query.sorts, settings.timeZone);
  const hash = queryHash(query);
  const after = decodeCursor(query.after, hash);
  const budget: Budget = { remaining: SEARCH_LIMITS.readBudget, read: 0 };
  const streams = await streamsFor(deps, actor.accountId, groups, sort, after, budget, query.limit);

  const items: Invoice[] = [];
  const seen = new Set<string>();
  let last: Position | null = after;
  for (;;) {
    const heads = await Promise.all(streams.map((s) => s.head()));
    if (heads.includes(BLOCKED)) break;
    let best = -1;
    let bestPos: Position | null = null;
    heads.forEach((h, k) => {
      if (!h || h === BLOCKED) return;
      const pos = positionOf(h, sort);
      if (!bestPos || comparePositions(pos, bestPos, sort.descending) < 0) {
        best = k;
        bestPos = pos;
      }
    });
    if (best < 0) return { items, next: null, itemsRead: budget.read };
    if (items.length === query.limit) break;
    const inv = heads[best] as Invoice;
    streams[best]!.take();
    last = bestPos;
    if (!seen.has(inv.id) && streams[best]!.matches(inv)) {
      seen.add(inv.id);
      items.push(inv);
    }
  }
  return { items, next: last ? encodeCursor(last, hash) : null, itemsRead: budget.read };
}
