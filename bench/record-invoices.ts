/**
 * A record's invoice listing (`GET /contacts/{id}/invoices`, through its real Lambda handler,
 * against an in-memory DynamoDB Local started here) as the account grows: at 10 invoices, all of
 * them naming the contact, and then at 10,000, of which 1,000 name it. The items DynamoDB reads
 * for one page (the contact itself, its link items and the invoices they point to, counted from
 * the responses: a Query's ScannedCount, a GetItem's item) should be the same at both sizes: twice
 * the page size plus one. Printed for the first page at each size, for every page of the contact's 1,000 at the
 * larger, and the ratio large / small.
 *
 * The invoices are made by the invoice store itself (its writes captured, then loaded with
 * BatchWriteItem), so the table holds exactly the items, links included, that the service writes.
 *
 * Env: BENCH_PAGE (default 10), BENCH_SIZES (default "10,10000"), BENCH_SHARE (default 10: one
 * invoice in BENCH_SHARE names the contact once the account outgrows the first size).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  BatchWriteCommand,
  PutCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { Contact } from '../domain/crm/records.js';
import { blankDraft, type Invoice } from '../domain/invoices/invoice.js';
import { DEFAULT_SETTINGS } from '../domain/settings/settings.js';
import { documentClient } from '../functions/dynamodb/client.js';
import { DynamoInvoiceStore } from '../functions/dynamodb/invoice-store.js';
import { DynamoRecordStore } from '../functions/dynamodb/record-store.js';
import type { HttpEvent, HttpResponse } from '../functions/http/http-types.js';
import { ensureTable, startDynamoLocal } from '../infra/local/dynamodb-local.js';
import { freePort } from '../infra/local/free-port.js';
import { fmt, printTable, seconds, verdict } from './support/report.js';
import { BenchFailure, runBench, type RunningDynamo } from './support/bench-runner.js';

const TABLE = 'bench_record_invoices';
const REGION = 'us-east-1';
const ACCOUNT = `acc_bench_${randomUUID().slice(0, 8)}`;

/** Keeps every item the store writes instead of sending it (ids are new, so no condition could fail). */
class CapturingClient {
  readonly items: Record<string, unknown>[] = [];
  async send(command: unknown): Promise<Record<string, never>> {
    if (command instanceof PutCommand) this.items.push(command.input.Item!);
    else if (command instanceof TransactWriteCommand) {
      for (const t of command.input.TransactItems ?? []) {
        if (!t.Put) throw new Error(`the capture handles puts only, not ${Object.keys(t).join(', ')}`);
        this.items.push(t.Put.Item!);
      }
    } else throw new Error(`the capture does not handle ${(command as object).constructor.name}`);
    return {};
  }
}

async function seed(db: DynamoDBDocumentClient, n: number, contactFor: (i: number) => string): Promise<Invoice[]> {
  const capture = new CapturingClient();
  const store = new DynamoInvoiceStore(capture as unknown as DynamoDBDocumentClient, TABLE);
  const now = new Date().toISOString();
  const out: Invoice[] = [];
  for (let i = 0; i < n; i++) {
    const id = `inv_${Date.now().toString(36)}${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const draft = blankDraft({
      id,
      accountId: ACCOUNT,
      owner: 'usr_bench',
      slug: randomUUID().replace(/-/g, ''),
      settings: DEFAULT_SETTINGS,
      today: now.slice(0, 10),
      now,
    });
    out.push(
      await store.create(
        { ...draft, contacts: [contactFor(i)] },
        { actor: { type: 'system', id: 'bench-seed' }, action: 'created', at: now },
      ),
    );
  }
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < capture.items.length; i += 25) chunks.push(capture.items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < chunks.length) {
        let pending = chunks[next++]!.map((Item) => ({ PutRequest: { Item } }));
        while (pending.length) {
          const res = await db.send(new BatchWriteCommand({ RequestItems: { [TABLE]: pending } }));
          pending = (res.UnprocessedItems?.[TABLE] ?? []) as typeof pending;
        }
      }
    }),
  );
  return out;
}

function event(contactId: string, limit: number, after: string | null): HttpEvent {
  return {
    version: '2.0',
    routeKey: 'GET /contacts/{id}/invoices',
    rawPath: `/contacts/${contactId}/invoices`,
    rawQueryString: '',
    headers: {},
    pathParameters: { id: contactId },
    queryStringParameters: { limit: String(limit), ...(after ? { after } : {}) },
    isBase64Encoded: false,
    requestContext: {
      requestId: randomUUID(),
      authorizer: {
        jwt: { claims: { sub: 'usr_bench', accountId: ACCOUNT, role: 'superAdmin' }, scopes: [] },
        principalId: '',
        integrationLatency: 0,
      },
    },
  } as unknown as HttpEvent;
}

type PageRead = { ids: string[]; next: string | null; itemsRead: number; ms: number };

async function main(dynamo: RunningDynamo): Promise<boolean> {
  const pageSize = Number(process.env.BENCH_PAGE ?? 10);
  const [small, large] = (process.env.BENCH_SIZES ?? '10,10000').split(',').map(Number) as [number, number];
  const share = Number(process.env.BENCH_SHARE ?? 10);
  if (!(small >= pageSize && large > small && share >= 1))
    throw new BenchFailure('need BENCH_SIZES "small,large" with small ≥ BENCH_PAGE and large > small');

  const tStart = performance.now();
  dynamo.current = await startDynamoLocal({ port: await freePort() });
  const endpoint = dynamo.current.endpoint;
  await ensureTable(endpoint, TABLE);
  console.log(`DynamoDB Local (in memory) on ${endpoint}, up in ${seconds(tStart)}; Node ${process.version}`);

  Object.assign(process.env, {
    TABLE_NAME: TABLE,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: REGION,
    PUBLIC_BASE_URL: 'http://bench.local',
  });
  const { app } = await import('../functions/wiring.js');
  const { db } = app();
  // Count what DynamoDB reads for the handler: a Query's ScannedCount, a GetItem's item.
  let itemsRead = 0;
  const send = db.send.bind(db) as (c: unknown) => Promise<{ ScannedCount?: number; Item?: unknown }>;
  (db as { send: unknown }).send = async (command: unknown) => {
    const out = await send(command);
    itemsRead += out.ScannedCount ?? (out.Item ? 1 : 0);
    return out;
  };
  const { handler } = (await import('../functions/http/contacts.handler.js')) as {
    handler: (e: HttpEvent, c: Context) => Promise<HttpResponse>;
  };

  const contacts = new DynamoRecordStore<Contact>(
    documentClient({ tableName: TABLE, endpoint, region: REGION }),
    TABLE,
    'contact',
  );
  const now = new Date().toISOString();
  const mk = (i: number): Contact => ({
    id: `con_bench${i}`,
    accountId: ACCOUNT,
    kind: 'contact',
    version: 1,
    createdAt: now,
    updatedAt: now,
    firstName: `C${i}`,
    lastName: null,
    email: null,
    address: null,
  });
  const target = mk(0).id;
  for (let i = 0; i < share; i++) await contacts.create(mk(i));

  const readPage = async (after: string | null): Promise<PageRead> => {
    itemsRead = 0;
    const t0 = performance.now();
    const res = await handler(event(target, pageSize, after), {} as Context);
    const ms = performance.now() - t0;
    if (res.statusCode !== 200) throw new BenchFailure(`listing answered ${res.statusCode}: ${res.body}`);
    const body = JSON.parse(res.body) as { results: { id: string }[]; paging: { next?: { after: string } } };
    return { ids: body.results.map((r) => r.id), next: body.paging.next?.after ?? null, itemsRead, ms };
  };
  /** The first page, five times: its reads (the same each time) and the median time. */
  const firstPage = async (): Promise<PageRead> => {
    const runs: PageRead[] = [];
    for (let i = 0; i < 5; i++) runs.push(await readPage(null));
    const ms = runs.map((r) => r.ms).sort((a, b) => a - b)[2]!;
    if (new Set(runs.map((r) => r.itemsRead)).size !== 1)
      throw new BenchFailure('the same page read different numbers of items');
    return { ...runs[0]!, ms };
  };
  const readAll = async () => {
    const pages: PageRead[] = [];
    let after: string | null = null;
    do {
      const p = await readPage(after);
      if (p.ids.length) pages.push(p);
      after = p.next;
    } while (after);
    return pages;
  };

  await readPage(null); // warm-up: cold start, sockets, DynamoDB Local's JIT
  const problems: string[] = [];

  let t = performance.now();
  const first = await seed(db, small, () => target);
  console.log(`${small} invoices on the account, all naming ${target}, seeded in ${seconds(t)}`);
  const smallPages = await readAll();
  const smallFirst = await firstPage();

  t = performance.now();
  const more = await seed(db, large - small, (i) => mk(i % share).id);
  const mine = [...first, ...more.filter((inv) => inv.contacts[0] === target)];
  console.log(`${large} invoices on the account (${mine.length} naming ${target}), seeded in ${seconds(t)}`);
  const largePages = await readAll();
  const largeFirst = await firstPage();

  // Exactly the contact's invoices, newest first, each once.
  const expected = (invs: Invoice[]) =>
    invs
      .map((i) => i.id)
      .sort()
      .reverse();
  const got = (pages: PageRead[]) => pages.flatMap((p) => p.ids);
  if (JSON.stringify(got(smallPages)) !== JSON.stringify(expected(first)))
    problems.push(`at ${small}: the listing is not exactly the contact's ${first.length} invoices`);
  if (JSON.stringify(got(largePages)) !== JSON.stringify(expected(mine)))
    problems.push(`at ${large}: the listing is not exactly the contact's ${mine.length} invoices`);

  const fullPages = largePages.filter((p) => p.ids.length === pageSize);
  const meanRead = fullPages.reduce((s, p) => s + p.itemsRead, 0) / fullPages.length;
  const meanMs = fullPages.reduce((s, p) => s + p.ms, 0) / fullPages.length;
  const maxRead = Math.max(...fullPages.map((p) => p.itemsRead));

  const floor = 2 * pageSize + 1;
  console.log(
    `\nItems read for one page of ${pageSize} of a contact's invoices (the floor: the contact + ${pageSize} links + ${pageSize} invoices = ${floor})`,
  );
  const head = ['invoices on account', "contact's invoices", 'page', 'items read', 'ms'];
  const rows = [
    [String(small), String(first.length), 'first (median of 5)', String(smallFirst.itemsRead), fmt(smallFirst.ms)],
    [String(large), String(mine.length), 'first (median of 5)', String(largeFirst.itemsRead), fmt(largeFirst.ms)],
    [
      String(large),
      String(mine.length),
      `all ${fullPages.length} (mean / max)`,
      `${fmt(meanRead, 1)} / ${maxRead}`,
      fmt(meanMs),
    ],
  ];
  printTable(head, rows);
  console.log(
    `  account ×${fmt(large / small, 0)}: items read per page ×${fmt(largeFirst.itemsRead / smallFirst.itemsRead, 2)} (first page), ` +
      `×${fmt(meanRead / smallFirst.itemsRead, 2)} (mean over all pages); time per page ×${fmt(largeFirst.ms / smallFirst.ms, 2)}`,
  );
  console.log(`  (filtering the account's invoices instead would read all ${large} of them to fill these pages)`);
  if (smallFirst.itemsRead !== floor || maxRead !== floor)
    problems.push(`a page read ${smallFirst.itemsRead} / up to ${maxRead} items, not ${floor}`);

  return verdict(
    problems,
    `correctness: at each size the pages held exactly the contact's invoices, newest first, each once`,
    tStart,
  );
}

await runBench(main);
