import { mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Invoice } from '../../../domain/invoices/invoice.js';
import { SEARCH_LIMITS } from '../../../domain/search/search-invoices.js';
import { localClient } from '../../../infra/local/dynamodb-local.js';
import { appendDeadLetter } from '../../../infra/local/local-files.js';
import { startStreamPoller } from '../../../infra/local/stream-poller.js';
import { client, startStack, uniqueAccount, type Stack } from '../../support/local-stack.js';
import { bulkCreateInvoices } from '../../support/overdue-seed.js';
import { variedInvoices } from '../../support/search-seed.js';
import { until } from '../../support/until.js';

const COUNT = 2000;
let stack: Stack;
let api: ReturnType<typeof client>;
let data: Invoice[];
let accountA: string;
let poller: ReturnType<typeof startStreamPoller>;

beforeAll(async () => {
  stack = await startStack();
  accountA = uniqueAccount('expa');
  data = variedInvoices(accountA, COUNT, 'A', 7);
  await bulkCreateInvoices(localClient(stack.endpoint), stack.tableName, [...data, ...variedInvoices(uniqueAccount('expb'), COUNT, 'B', 7)]);
  api = client(stack.baseUrl, await stack.token(accountA, { sub: 'usr_ann' }));
  const { handler } = await import('../../../functions/stream/export-stream.handler.js');
  const dir = mkdtempSync(join(resolve(import.meta.dirname, '../../../test-output'), 'exports-'));
  // The export runner as in AWS: a consumer of the table's stream, in its own poller.
  poller = startStreamPoller({ endpoint: stack.endpoint, tableName: stack.tableName, handler, batchSize: 1, pollIntervalMs: 100, deadLetter: (r, e) => appendDeadLetter(join(dir, 'dead.jsonl'), r, e) });
}, 300_000);
afterAll(async () => {
  await poller?.stop();
  await stack?.close();
});

const COLUMNS = ['id', 'number', 'status', 'invoiceDate', 'total', 'balanceDue', 'contact', 'poNumber', 'pastDue', 'comments'];
/** The chosen columns with `currency` added after the first amount, as the export promises. */
const HEADER = ['id', 'number', 'status', 'invoiceDate', 'total', 'currency', 'balanceDue', 'contact', 'poNumber', 'pastDue', 'comments'];
const DECIMALS: Record<string, number> = { USD: 2, EUR: 2, JPY: 0 };
const major = (minor: number, currency: string) => (minor / 10 ** DECIMALS[currency]!).toFixed(DECIMALS[currency]!);
const plain = (html: string | null) => (html ?? '').replace(/<[^>]+>/g, '');

/** A's invoices newest first, as the export rows should read (text as a spreadsheet shows it). */
function expectedRows(): string[][] {
  return [...data]
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1))
    .map((i) => [i.id, i.number ?? '', i.status, i.invoiceDate, major(i.totals.total, i.currency), i.currency, major(i.totals.balanceDue, i.currency), i.contacts.join(' '), i.poNumber ?? '', String(i.pastDue), plain(i.comments)]);
}

async function runExport(body: Record<string, unknown>): Promise<{ id: string; status: string; count: number; url?: string; error?: string }> {
  const created = await api('POST', '/invoices/exports', body);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body).toMatchObject({ id: expect.stringMatching(/^exp_/), status: 'queued' });
  let job: { status: string } = created.body;
  await until('the export to finish', async () => {
    job = (await api('GET', `/exports/${created.body.id}`)).body;
    return job.status === 'done' || job.status === 'failed';
  }, 120_000);
  return job as never;
}

describe('exports', () => {
  test('a CSV of 2,000 invoices parses back to the same rows and columns; money in major units with the currency; formulas neutralized', async () => {
    const job = await runExport({ format: 'csv', properties: COLUMNS });
    expect(job).toMatchObject({ status: 'done', count: COUNT });
    // A signed S3 link, at most 15 minutes.
    const url = new URL(job.url!);
    expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(900);
    const res = await fetch(job.url!);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('\r\n');
    const [header, ...rows] = parse(text) as string[][];
    expect(header).toEqual(HEADER);
    // A comment that starts with = comes out as text, prefixed with ' so no spreadsheet runs it.
    const expected = expectedRows().map((r) => r.map((cell) => (/^[=+\-@]/.test(cell) ? `'${cell}` : cell)));
    expect(rows).toEqual(expected);
    expect(rows.some((r) => r[10]!.startsWith("'=HYPERLINK"))).toBe(true);
    // Account B holds the same data under other ids: none of it is exported.
    expect(rows.every((r) => r[0]!.startsWith('inv_A'))).toBe(true);
  });

  test('an XLSX export opens with the library and matches; money is numeric with its currency; the = comment is a string, not a formula', async () => {
    const job = await runExport({ format: 'xlsx', properties: COLUMNS });
    expect(job).toMatchObject({ status: 'done', count: COUNT });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await (await fetch(job.url!)).arrayBuffer()) as never);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.rowCount).toBe(COUNT + 1);
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(HEADER);
    const want = expectedRows();
    for (let r = 0; r < COUNT; r++) {
      const row = sheet.getRow(r + 2);
      const cells = HEADER.map((_, k) => row.getCell(k + 1));
      const asText = cells.map((c, k) => (c.value === null ? '' : HEADER[k] === 'total' || HEADER[k] === 'balanceDue' ? (c.value as number).toFixed(DECIMALS[want[r]![5]!]!) : String(c.value)));
      expect(asText).toEqual(want[r]);
      expect(typeof cells[4]!.value).toBe('number');
      expect(cells[4]!.numFmt).toContain(want[r]![5]);
      expect(cells[10]!.type).not.toBe(ExcelJS.ValueType.Formula);
    }
  });

  test('default columns, filters and a view: the export runs through the same search', async () => {
    const view = await api('POST', '/views', { name: 'Open in euros', filterGroups: [{ filters: [{ propertyName: 'status', operator: 'EQ', value: 'open' }, { propertyName: 'currency', operator: 'EQ', value: 'EUR' }] }] });
    const job = await runExport({ format: 'csv', viewId: view.body.id });
    const [header, ...rows] = parse(await (await fetch(job.url!)).text()) as string[][];
    expect(header).toEqual(['number', 'status', 'pastDue', 'invoiceDate', 'dueDate', 'currency', 'total', 'balanceDue', 'contact', 'company', 'poNumber', 'owner']);
    expect(rows.length).toBe(data.filter((i) => i.status === 'open' && i.currency === 'EUR').length);
    expect(rows.every((r) => r[1] === 'open' && r[5] === 'EUR')).toBe(true);
  });

  test('an export whose search cannot run fails with the reason', async () => {
    const cap = SEARCH_LIMITS.sortCap;
    SEARCH_LIMITS.sortCap = 100; // the runner runs in this process: a small cap makes the sort impossible
    try {
      const job = await runExport({ format: 'csv', sorts: [{ propertyName: 'total' }] });
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(/sorting by total/);
      expect(job.url).toBeUndefined();
    } finally {
      SEARCH_LIMITS.sortCap = cap;
    }
  });

  test('bad exports are 422 naming the field; another account cannot read the job (404)', async () => {
    const bad = await api('POST', '/invoices/exports', { format: 'pdf' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].path).toBe('format');
    const badColumn = await api('POST', '/invoices/exports', { format: 'csv', properties: ['number', 'colour'] });
    expect(badColumn.body.errors[0].path).toBe('properties.1');
    const job = await api('POST', '/invoices/exports', { format: 'csv', filterGroups: [{ filters: [{ propertyName: 'number', operator: 'EQ', value: 'INV-1001' }] }] });
    const other = client(stack.baseUrl, await stack.token(uniqueAccount()));
    expect((await other('GET', `/exports/${job.body.id}`)).status).toBe(404);
  });
});

describe('saved views', () => {
  const filters = [{ filters: [{ propertyName: 'status', operator: 'EQ', value: 'paid' }, { propertyName: 'total', operator: 'GTE', value: 100000 }] }];

  test('saved, read, run through search, replaced and deleted by their owner', async () => {
    const created = await api('POST', '/views', { name: 'Big paid ones', filterGroups: filters, properties: ['number', 'total'], sorts: [{ propertyName: 'total', direction: 'DESCENDING' }] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^view_/), name: 'Big paid ones', shared: false, owner: 'usr_ann', version: 1 });
    expect((await api('GET', `/views/${created.body.id}`)).body).toEqual(created.body);

    const viaView = await api('POST', '/invoices/search', { viewId: created.body.id, limit: 100 });
    const direct = await api('POST', '/invoices/search', { filterGroups: filters, properties: ['number', 'total'], sorts: [{ propertyName: 'total', direction: 'DESCENDING' }], limit: 100 });
    expect(viaView.body.results.length).toBeGreaterThan(0);
    expect(viaView.body).toEqual(direct.body);
    expect(Object.keys(viaView.body.results[0]).sort()).toEqual(['id', 'number', 'total']);

    const replaced = await api('PUT', `/views/${created.body.id}`, { name: 'Renamed', filterGroups: filters }, { 'if-match': '"1"' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ name: 'Renamed', version: 2, properties: null });
    expect((await api('PUT', `/views/${created.body.id}`, { name: 'Stale' }, { 'if-match': '"1"' })).status).toBe(412);
    expect((await api('DELETE', `/views/${created.body.id}`)).status).toBe(204);
    expect((await api('GET', `/views/${created.body.id}`)).status).toBe(404);
  });

  test('per user: a private view is invisible to a colleague; a shared one is readable but only its owner changes it', async () => {
    const colleague = client(stack.baseUrl, await stack.token(accountA, { sub: 'usr_bob' }));
    const mine = await api('POST', '/views', { name: 'Mine', filterGroups: filters });
    const shared = await api('POST', '/views', { name: 'Team', filterGroups: filters, shared: true });
    expect((await colleague('GET', `/views/${mine.body.id}`)).status).toBe(404);
    expect((await colleague('GET', `/views/${shared.body.id}`)).status).toBe(200);
    expect((await colleague('PUT', `/views/${shared.body.id}`, { name: 'Hijacked' })).status).toBe(403);
    expect((await colleague('DELETE', `/views/${shared.body.id}`)).status).toBe(403);
    const listed = (await colleague('GET', '/views?limit=100')).body.results.map((v: { id: string }) => v.id);
    expect(listed).toContain(shared.body.id);
    expect(listed).not.toContain(mine.body.id);
    const other = client(stack.baseUrl, await stack.token(uniqueAccount()));
    expect((await other('GET', `/views/${shared.body.id}`)).status).toBe(404);
  });

  test('a view with filters search cannot run is refused with 422 naming the field', async () => {
    const res = await api('POST', '/views', { name: 'Bad', filterGroups: [{ filters: [{ propertyName: 'colour', operator: 'EQ', value: 'red' }] }] });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].path).toBe('filterGroups.0.filters.0.propertyName');
    const noName = await api('POST', '/views', { filterGroups: [] });
    expect(noName.body.errors[0].path).toBe('name');
  });
});
