import { describe, expect, test } from 'vitest';
import type { ExportCell } from '../../../../domain/exports/export-rows.js';
import { exportColumns } from '../../../../domain/exports/export-rows.js';
import {
  requestExport,
  runExport,
  type ExportDeps,
  type ExportJob,
} from '../../../../domain/exports/invoice-exports.js';
import { compileSearch } from '../../../../domain/search/compile-filters.js';
import { numberSortKey } from '../../../../domain/search/invoice-properties.js';
import { SEARCH_LIMITS, searchInvoices } from '../../../../domain/search/search-invoices.js';
import { planGroup } from '../../../../domain/search/search-plan.js';
import type { View } from '../../../../domain/search/views.js';
import {
  FakeClock,
  InMemoryRecordStore,
  InMemorySettingsStore,
  SequentialIds,
  actorFor,
} from '../../../support/in-memory.js';
import { InMemorySearchIndex } from '../../../support/in-memory-search.js';
import { variedInvoices } from '../../../support/search-seed.js';

const ACCOUNT = 'acc_unit';
const data = variedInvoices(ACCOUNT, 600, 'U', 3);
const deps = () => ({ search: new InMemorySearchIndex(data), settings: new InMemorySettingsStore(new Map()) });
const actor = actorFor(ACCOUNT);
const eq = (propertyName: string, value: unknown) => ({
  propertyName,
  operator: 'EQ' as const,
  value: value as string,
});

async function all(d: ReturnType<typeof deps>, q: Parameters<typeof searchInvoices>[2]) {
  const ids: string[] = [];
  let after: string | undefined;
  let pages = 0;
  do {
    const page = await searchInvoices(d, actor, { ...q, after });
    ids.push(...page.items.map((i) => i.id));
    after = page.next ?? undefined;
    pages++;
  } while (after);
  return { ids, pages };
}

describe('the read plan', () => {
  const plan = (filters: ReturnType<typeof eq>[], sort = 'createdAt') => {
    const { groups, sort: s } = compileSearch([{ filters }], [{ propertyName: sort, direction: 'ASCENDING' }], 'UTC');
    return planGroup(groups[0]!, s);
  };

  test('an index that holds the sort order and narrows the group is read in order', () => {
    expect(plan([eq('status', 'open')], 'dueDate')).toEqual({
      mode: 'ordered',
      scans: [{ index: 'status', status: 'open' }],
    });
    expect(plan([eq('owner', 'usr_1')])).toEqual({ mode: 'ordered', scans: [{ index: 'owner', owner: 'usr_1' }] });
    expect(plan([eq('number', 'INV-1010')], 'number')).toEqual({
      mode: 'ordered',
      scans: [{ index: 'number', range: { lo: numberSortKey('INV-1010'), hi: numberSortKey('INV-1010') } }],
    });
  });

  test('a narrow filter in another order is read whole and sorted, falling back to the ordered account', () => {
    expect(plan([eq('contact', 'con_1')])).toEqual({
      mode: 'sorted',
      sources: [{ kind: 'linked', record: 'contact', id: 'con_1' }],
      fallback: [{ index: 'created' }],
    });
  });

  test('a broad filter in a streamable order reads the account in that order; in another order it is sorted with no fallback', () => {
    expect(plan([eq('status', 'paid')])).toEqual({ mode: 'ordered', scans: [{ index: 'created' }] });
    expect(plan([eq('status', 'paid')], 'total')).toEqual({
      mode: 'sorted',
      sources: [{ kind: 'scan', scan: { index: 'status', status: 'paid' } }],
      fallback: null,
    });
  });
});

describe('searchInvoices with in-memory indexes', () => {
  test('OR groups merge in sort order and an invoice matching both appears once', async () => {
    const { ids } = await all(deps(), {
      filterGroups: [
        { filters: [eq('status', 'voided')] },
        { filters: [eq('pastDue', true)] },
        { filters: [eq('status', 'voided')] },
      ],
      limit: 7,
    });
    const want = data
      .filter((i) => i.status === 'voided' || i.pastDue)
      .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1))
      .map((i) => i.id);
    expect(ids).toEqual(want);
  });

  test('an indexed first page reads about one page; an unindexed one stops at the read budget with a cursor', async () => {
    const d = deps();
    const indexed = await searchInvoices(d, actor, {
      filterGroups: [{ filters: [eq('status', 'open')] }],
      sorts: [{ propertyName: 'dueDate', direction: 'ASCENDING' }],
      limit: 10,
    });
    expect(indexed.items).toHaveLength(10);
    expect(indexed.itemsRead).toBeLessThanOrEqual(11);
    const budget = SEARCH_LIMITS.readBudget;
    SEARCH_LIMITS.readBudget = 50;
    try {
      const page = await searchInvoices(deps(), actor, {
        filterGroups: [
          { filters: [{ propertyName: 'poNumber', operator: 'CONTAINS_TOKEN', value: 'nothing-has-this' }] },
        ],
        limit: 10,
      });
      expect(page.items).toEqual([]);
      expect(page.itemsRead).toBe(50);
      expect(page.next).not.toBeNull();
    } finally {
      SEARCH_LIMITS.readBudget = budget;
    }
  });

  test('a sort in memory past the cap is refused, naming the sort', async () => {
    const cap = SEARCH_LIMITS.sortCap;
    SEARCH_LIMITS.sortCap = 10;
    try {
      await expect(
        searchInvoices(deps(), actor, { sorts: [{ propertyName: 'total', direction: 'ASCENDING' }], limit: 5 }),
      ).rejects.toMatchObject({ code: 'validation', errors: [{ path: 'sorts.0.propertyName' }] });
    } finally {
      SEARCH_LIMITS.sortCap = cap;
    }
  });

  test('a tampered cursor is malformed', async () => {
    const page = await searchInvoices(deps(), actor, { limit: 2 });
    const tampered = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(page.next!, 'base64url').toString()), q: 'other' }),
    ).toString('base64url');
    await expect(searchInvoices(deps(), actor, { limit: 2, after: tampered })).rejects.toMatchObject({
      code: 'malformed',
      errors: [{ path: 'after' }],
    });
  });
});

describe('export jobs', () => {
  function exportDeps() {
    const built: { columns: string[]; rows: ExportCell[][] }[] = [];
    const put: string[] = [];
    const d: ExportDeps = {
      ...deps(),
      exports: new InMemoryRecordStore<ExportJob>(),
      views: new InMemoryRecordStore<View>(),
      documents: {
        put: async (key) => void put.push(key),
        get: async () => null,
        signedUrl: async (key) => ({ url: `https://s3.example/${key}`, expiresAt: '2026-11-27T15:15:00Z' }),
      },
      files: {
        build: async (_f, columns, rows) => (
          built.push({ columns, rows }),
          { body: new Uint8Array([1]), contentType: 'text/csv' }
        ),
      },
      clock: new FakeClock(),
      ids: new SequentialIds(),
    };
    return { d, built, put };
  }

  test('runs once: every matching row, the file under exports/, done with the count; a replay does nothing', async () => {
    const { d, built, put } = exportDeps();
    const job = await requestExport(d, actor, {
      format: 'csv',
      filterGroups: [{ filters: [eq('status', 'paid')] }],
      properties: ['number', 'total'],
    });
    expect(job).toMatchObject({ status: 'queued', properties: ['number', 'total', 'currency'] });
    const done = await runExport(d, ACCOUNT, job.id);
    const paid = data.filter((i) => i.status === 'paid').length;
    expect(done).toMatchObject({ status: 'done', count: paid, fileKey: `exports/${ACCOUNT}/${job.id}.csv` });
    expect(built[0]!.rows).toHaveLength(paid);
    expect(put).toEqual([`exports/${ACCOUNT}/${job.id}.csv`]);
    await runExport(d, ACCOUNT, job.id);
    expect(put).toHaveLength(1);
  });

  test('reports progress while it runs: running, with the rows so far, every thousand rows', async () => {
    const many = variedInvoices(ACCOUNT, 2500, 'P', 9);
    const { d } = exportDeps();
    d.search = new InMemorySearchIndex(many);
    const seen: Pick<ExportJob, 'status' | 'count'>[] = [];
    const store = d.exports as InMemoryRecordStore<ExportJob>;
    const replace = store.replace.bind(store);
    store.replace = async (prev, next) => (seen.push({ status: next.status, count: next.count }), replace(prev, next));
    const job = await requestExport(d, actor, { format: 'xlsx' });
    await runExport(d, ACCOUNT, job.id);
    expect(seen).toEqual([
      { status: 'running', count: 0 },
      { status: 'running', count: 1000 },
      { status: 'running', count: 2000 },
      { status: 'done', count: 2500 },
    ]);
  });

  test('currency joins the columns after the first amount', () => {
    expect(exportColumns(['number', 'balanceDue', 'total'])).toEqual(['number', 'balanceDue', 'currency', 'total']);
    expect(exportColumns(['number'])).toEqual(['number']);
  });
});
