/**
 * The whole local service under a realistic load: autocannon against the local API (API Gateway
 * played by infra/local/api-server.ts, the real handlers, DynamoDB Local, the S3 emulator, and the
 * stream poller rendering PDFs with Chromium as the load runs), for 60 s by default, with a mix of
 * requests on one account (its counter is shared by every create, as a busy tenant's would be):
 *
 *   create 3, patch a draft 2, finalize 1, get 3, list 1, search 1 (of 11; the MIX table below)
 *
 * Then an audit: the account's invoice numbers are unique (numbered on create by an atomic
 * increment, they may skip a number only for a create that failed), and once the stream has
 * drained every finalized invoice has its PDF (`pdf.status` ready and the object in S3).
 *
 * Where the tail comes from: latency per kind of request, both as the client saw it and as the
 * handler spent it (its own `durationMs` log line), and the event loop's delay in this process
 * while the load ran. Locally the API handlers, the stream handler (HTML, PDF post-processing,
 * S3 uploads) and Chromium share 2 cores and, but for Chromium, one event loop; in AWS each is a
 * function of its own. `--renderer after` runs the same load with the stream poller started only
 * once the load is over (it reads the stream from its start, so every PDF is still rendered and
 * audited): the difference is what rendering PDFs beside the API costs the API here.
 *
 * The floor, measured in the same run before the load: raw DynamoDB PutItem + GetItem of an
 * invoice item (one the handler wrote) from the same document-client factory, at the same
 * concurrency, for a quarter of the duration (at least 5 s), on a table of its own (nothing
 * reads its stream). A handler request makes several DynamoDB calls (a create: the settings, the
 * counter, one TransactWriteItems; a get: one GetItem) plus JSON, validation and HTTP, so the
 * ratio reads as "API requests per second per raw put+get pair per second".
 *
 * Every response must be 2xx, except 409s from legitimate races (a patch landing just after its
 * draft was finalized), counted apart; any other status, a socket error or a failed audit exits 1.
 *
 * Flags: --duration <s> (default 60), --connections <n> (default 16), --renderer during|after
 * (default during).
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { pdfKey } from '../domain/documents/pdf-key.js';
import type { Invoice } from '../domain/invoices/invoice.js';
import { documentClient } from '../functions/dynamodb/client.js';
import { keys } from '../functions/dynamodb/keys.js';
import { STREAM_FUNCTION_ENTRY } from '../infra/routes.js';
import { createApiServer, listen } from '../infra/local/api-server.js';
import { ensureTable, startDynamoLocal } from '../infra/local/dynamodb-local.js';
import { freePort } from '../infra/local/free-port.js';
import { mintToken, newSigningKeys } from '../infra/local/local-auth.js';
import { appendDeadLetter } from '../infra/local/local-files.js';
import { startS3Emulator } from '../infra/local/s3-emulator.js';
import { startStreamPoller, type StreamHandler } from '../infra/local/stream-poller.js';
import { BenchFailure, runBench, type RunningDynamo } from './support/bench-runner.js';
import { fmt } from './support/report.js';
import { SIDE_EFFECT_FILTERS } from '../infra/stream-filters.js';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '16' },
    renderer: { type: 'string', default: 'during' },
  },
});
const RENDER_DURING = flags.renderer !== 'after';
if (flags.renderer !== 'during' && flags.renderer !== 'after') throw new Error('--renderer is during or after');
const DURATION_S = Number(flags.duration);
const CONNECTIONS = Number(flags.connections);
if (!(DURATION_S > 0) || !Number.isInteger(CONNECTIONS) || CONNECTIONS < 1)
  throw new Error('--duration must be positive seconds, --connections a positive whole number');

const TABLE = 'bench_load';
const FLOOR_TABLE = 'bench_load_floor';
const REGION = 'us-east-1';
const ROOT = resolve(import.meta.dirname, '..');
const SEED_DRAFTS = 24;

// ---------------------------------------------------------------------------------------------
// The mix: one row per kind of request. A row builds its request from the ids seen so far (null
// when it has nothing to act on yet: that connection starts its cycle again) and may learn from
// the response. Adding a kind (POST /invoices/search, say) is one more row.

type Ids = {
  /** Drafts nobody has taken to finalize; patches edit the newest, finalizes take the oldest. */
  drafts: string[];
  /** Every invoice created, for reads. */
  all: string[];
  finalized: Set<string>;
  contactId: string;
  turn: number;
};
/** `kind` names a variant of the row in the latency breakdown (a search's query shape, say). */
type Built = { method: 'GET' | 'POST' | 'PATCH'; path: string; body?: unknown; id?: string; kind?: string };
type MixRow = {
  name: string;
  /** Share of the requests, in tenths. */
  weight: number;
  build: (ids: Ids) => Built | null;
  /** Called with the built request's id (if any) and the answer. */
  onResponse?: (ids: Ids, status: number, body: string, id: string | undefined) => void;
  /** Statuses that are a legitimate outcome of concurrent requests, counted apart from errors. */
  racy?: number[];
};

const lineItems = (n: number) => [
  {
    name: 'Design work',
    description: 'Landing page, two rounds of revisions',
    quantity: 12.5,
    unitPrice: 9500,
    taxRate: 8.25,
  },
  { name: 'Hosting (annual)', quantity: 1, unitPrice: 24000, discount: { type: 'percent', value: 10 } },
  {
    name: 'Stock photos',
    quantity: 1 + (n % 6),
    unitPrice: 1500,
    discount: { type: 'amount', value: 250 },
    taxRate: 8.25,
  },
];

const MIX: MixRow[] = [
  {
    name: 'create',
    weight: 3,
    build: (ids) => ({
      method: 'POST',
      path: '/invoices',
      body: { contacts: [ids.contactId], poNumber: `PO-${ids.turn}`, lineItems: lineItems(ids.turn) },
    }),
    onResponse: (ids, status, body) => {
      if (status !== 201) return;
      const id = (JSON.parse(body) as { id: string }).id;
      ids.drafts.push(id);
      ids.all.push(id);
    },
  },
  {
    name: 'patch',
    weight: 2,
    build: (ids) => {
      if (!ids.drafts.length) return null;
      const id = ids.drafts[ids.drafts.length - 1 - (ids.turn % Math.min(ids.drafts.length, 20))]!;
      return {
        method: 'PATCH',
        path: `/invoices/${id}`,
        id,
        body: { poNumber: `PO-${ids.turn}-b`, paymentTerms: 'net30', lineItems: lineItems(ids.turn + 1) },
      };
    },
    // A patch set up just before a finalize of the same draft committed: the draft is open now.
    racy: [409],
  },
  {
    name: 'finalize',
    weight: 1,
    build: (ids) => {
      const id = ids.drafts.shift();
      return id ? { method: 'POST', path: `/invoices/${id}/finalize`, id } : null;
    },
    onResponse: (ids, status, _body, id) => {
      if (status === 200 && id) ids.finalized.add(id);
    },
  },
  {
    name: 'get',
    weight: 3,
    build: (ids) => {
      if (!ids.all.length) return null;
      const id = ids.all[(ids.turn * 7919) % ids.all.length]!;
      return { method: 'GET', path: `/invoices/${id}`, id };
    },
  },
  { name: 'list', weight: 1, build: () => ({ method: 'GET', path: '/invoices?limit=20' }) },
  {
    name: 'search',
    weight: 1,
    build: (ids) => ({
      method: 'POST',
      path: '/invoices/search',
      body:
        ids.turn % 2
          ? {
              filterGroups: [{ filters: [{ propertyName: 'status', operator: 'EQ', value: 'open' }] }],
              sorts: [{ propertyName: 'dueDate' }],
              properties: ['number', 'total', 'dueDate'],
            }
          : {
              filterGroups: [
                { filters: [{ propertyName: 'poNumber', operator: 'CONTAINS_TOKEN', value: `PO-${ids.turn % 50}*` }] },
              ],
              limit: 20,
            },
      // Two query shapes of different cost: each has its own line in the breakdown.
      kind: ids.turn % 2 ? 'search open, by due date' : 'search PO token, 20',
    }),
  },
];

/** The rows spread over one cycle by smooth weighted round robin: no row comes in a run. */
function cycle(rows: MixRow[]): MixRow[] {
  const total = rows.reduce((s, r) => s + r.weight, 0);
  const current = rows.map(() => 0);
  const out: MixRow[] = [];
  for (let k = 0; k < total; k++) {
    rows.forEach((r, i) => (current[i]! += r.weight));
    const best = current.indexOf(Math.max(...current));
    current[best]! -= total;
    out.push(rows[best]!);
  }
  return out;
}

type Tally = Map<string, Map<number, number>>;
const count = (t: Tally, name: string, status: number) => {
  const m = t.get(name) ?? new Map<number, number>();
  m.set(status, (m.get(status) ?? 0) + 1);
  t.set(name, m);
};

// ---------------------------------------------------------------------------------------------

const since = (t: number) => `${fmt((performance.now() - t) / 1000)} s`;

/** `op` run by `concurrency` callers for `seconds` after `warmUp` runs: per second, p50 and p99. */
async function timed(op: () => Promise<void>, concurrency: number, seconds: number, warmUp: number) {
  for (let i = 0; i < warmUp; i++) await op();
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        await op();
        latencies.push(performance.now() - s);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rate: latencies.length / elapsed,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    n: latencies.length,
  };
}

/** Raw PutItem + GetItem pairs per second, `concurrency` callers, `seconds` long. */
async function floor(endpoint: string, template: Record<string, unknown>, concurrency: number, seconds: number) {
  const db = documentClient({ tableName: FLOOR_TABLE, endpoint, region: REGION });
  const pair = async () => {
    const id = `inv_${randomUUID().replace(/-/g, '')}`;
    const key = keys.invoice('acc_floor', id);
    await db.send(new PutCommand({ TableName: FLOOR_TABLE, Item: { ...template, ...key, id } }));
    const { Item } = await db.send(new GetCommand({ TableName: FLOOR_TABLE, Key: key, ConsistentRead: true }));
    if (!Item) throw new BenchFailure('floor: an item just written is not there');
  };
  try {
    return await timed(pair, concurrency, seconds, 50);
  } finally {
    db.destroy();
  }
}

/**
 * The create's own write, raw: TransactWriteItems of four conditional Puts (the invoice, its number
 * guard, its slug guard, its history entry), `concurrency` callers, `seconds` long. Beside the
 * put+get floor it shows what a create waits for in DynamoDB Local, whatever the handler does.
 */
async function transactionFloor(
  endpoint: string,
  template: Record<string, unknown>,
  concurrency: number,
  seconds: number,
) {
  const db = documentClient({ tableName: FLOOR_TABLE, endpoint, region: REGION });
  const put = (Item: Record<string, unknown>) => ({
    Put: { TableName: FLOOR_TABLE, Item, ConditionExpression: 'attribute_not_exists(pk)' },
  });
  const create = async () => {
    const id = `inv_${randomUUID().replace(/-/g, '')}`;
    const key = keys.invoice('acc_floor', id);
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          put({ ...template, ...key, id }),
          put({ pk: `${key.pk}#NUMBER`, sk: id, invoiceId: id }),
          put({ pk: `${key.pk}#SLUG`, sk: id, invoiceId: id }),
          put({ pk: key.pk, sk: `${key.sk}#HISTORY#${Date.now()}`, action: 'created', changes: [] }),
        ],
      }),
    );
  };
  try {
    return await timed(create, concurrency, seconds, 20);
  } finally {
    db.destroy();
  }
}

const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;

/** The handlers' own time per route, from their request log lines written during the load. */
function handlerTimes(log: string, from: number, to: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (!line.includes('"message":"request"')) continue;
    try {
      const r = JSON.parse(line) as { timestamp?: string; routeKey?: string; durationMs?: number };
      const at = Date.parse(r.timestamp ?? '');
      if (!(at >= from && at <= to) || typeof r.durationMs !== 'number' || !r.routeKey) continue;
      const list = out.get(r.routeKey) ?? [];
      list.push(r.durationMs);
      out.set(r.routeKey, list);
    } catch {
      // a line cut by the end of the run
    }
  }
  return out;
}

/** The tail, taken apart: per kind as the client saw it, per route as the handler spent it, the event loop. */
function printBreakdown(
  client: Map<string, number[]>,
  handler: Map<string, number[]>,
  loop: ReturnType<typeof monitorEventLoopDelay>,
  overallP50: number,
) {
  const row = (label: string, xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const p50 = quantile(s, 0.5);
    const p99 = quantile(s, 0.99);
    return `  ${label.padEnd(30)} ${String(s.length).padStart(6)}  p50 ${fmt(p50).padStart(7)} ms  p99 ${fmt(p99).padStart(7)} ms  (p99/p50 ${fmt(p99 / p50)})  max ${fmt(s.at(-1) ?? NaN)} ms`;
  };
  console.log('\nlatency per kind, as the client saw it (queueing in this process included):');
  for (const [name, xs] of client) console.log(row(name, xs));
  console.log("the handlers' own time per route (their durationMs log lines):");
  for (const [name, xs] of [...handler].sort()) console.log(row(name, xs));
  // What the tail is made of: the requests slower than the target's bound, by kind.
  const bound = 5 * overallP50;
  const slow = [...client].map(([name, xs]) => [name, xs.filter((x) => x > bound).length] as const);
  const slowTotal = slow.reduce((sum, [, n]) => sum + n, 0);
  const all = [...client.values()].reduce((sum, xs) => sum + xs.length, 0);
  console.log(
    `requests slower than 5 × p50 (${fmt(bound, 0)} ms): ${slowTotal} of ${all} (${fmt((100 * slowTotal) / Math.max(1, all), 2)}%)` +
      (slowTotal
        ? `: ${slow
            .filter(([, n]) => n)
            .map(([name, n]) => `${name} ${n}`)
            .join(', ')}`
        : ''),
  );
  const ms = (ns: number) => fmt(ns / 1e6);
  console.log(
    `event loop delay in this process (API handlers${RENDER_DURING ? ', stream handler' : ''}, poller, autocannon): p50 ${ms(loop.percentile(50))} ms, p99 ${ms(loop.percentile(99))} ms, max ${ms(loop.max)} ms`,
  );
}

async function main(dynamo: RunningDynamo): Promise<boolean> {
  const tStart = performance.now();
  const work = mkdtempSync(join(tmpdir(), 'bench-load-'));
  const handlerLog = join(work, 'handlers.log');
  // The handlers log a JSON line per request and stream record (Powertools writes them straight to
  // stdout and stderr); they go to a file, not over the table.
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (String(chunk).startsWith('{')) return (appendFileSync(handlerLog, String(chunk)), true);
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
  const print = console.log.bind(console);
  let abortedAtEnd = 0;
  for (const level of ['log', 'info', 'warn', 'error'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      const [first] = args;
      if (typeof first === 'string' && first.startsWith('{')) return appendFileSync(handlerLog, `${first}\n`);
      // autocannon drops the connections of requests in flight when the run ends; the local API
      // server reports each as an aborted request body.
      if (first instanceof Error && first.message === 'aborted') return void abortedAtEnd++;
      original(...args);
    };
  }
  try {
    dynamo.current = await startDynamoLocal({ port: await freePort() });
    const endpoint = dynamo.current.endpoint;
    await ensureTable(endpoint, TABLE);
    await ensureTable(endpoint, FLOOR_TABLE);
    const s3 = await startS3Emulator({ port: 0, dir: join(work, 's3') });
    const keysForJwt = await newSigningKeys();
    // The local API server throttles like the stage (100/s, burst 200): the bench measures the
    // service, not the limit, so it runs far above it.
    const server = createApiServer({ keys: keysForJwt, throttle: { rateLimit: 1_000_000, burstLimit: 1_000_000 } });
    const port = await listen(server, 0, '127.0.0.1');
    const baseUrl = `http://127.0.0.1:${port}`;
    // The handlers read these once, at their cold start, exactly as in Lambda.
    Object.assign(process.env, {
      TABLE_NAME: TABLE,
      DYNAMODB_ENDPOINT: endpoint,
      AWS_REGION: REGION,
      PUBLIC_BASE_URL: baseUrl,
      BUCKET_NAME: s3.bucket,
      S3_ENDPOINT: s3.endpoint,
      EVENTS_LOG: join(work, 'events.jsonl'),
      OUTBOX_DIR: join(work, 'outbox'),
    });
    const { handler: streamHandler } = (await import(pathToFileURL(resolve(ROOT, STREAM_FUNCTION_ENTRY)).href)) as {
      handler: StreamHandler;
    };
    let deadLettered = 0;
    const startPoller = () =>
      startStreamPoller({
        filters: SIDE_EFFECT_FILTERS,
        endpoint,
        tableName: TABLE,
        handler: (event: DynamoDBStreamEvent) => streamHandler(event),
        batchSize: 10,
        log: (line) => appendFileSync(handlerLog, `${JSON.stringify(line)}\n`),
        deadLetter: async (record, error) => {
          deadLettered++;
          await appendDeadLetter(join(work, 'dead-letters.jsonl'), record, error);
        },
      });
    let poller = RENDER_DURING ? startPoller() : undefined;

    const accountId = `acc_load_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
    const token = await mintToken(keysForJwt, { accountId, sub: 'usr_bench', role: 'superAdmin' });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(baseUrl + path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as any };
    };

    // Seed: a contact, and drafts for the first patches, finalizes and reads (this warms every path).
    const contact = await call('POST', '/contacts', {
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
    });
    if (contact.status !== 201) throw new BenchFailure(`seeding a contact answered ${contact.status}`);
    const ids: Ids = { drafts: [], all: [], finalized: new Set(), contactId: contact.body.id, turn: 0 };
    const create = MIX.find((r) => r.name === 'create')!;
    for (let i = 0; i < SEED_DRAFTS; i++) {
      const b = create.build(ids)!;
      const res = await call(b.method, b.path, b.body);
      create.onResponse!(ids, res.status, JSON.stringify(res.body), undefined);
      ids.turn++;
    }
    if (ids.all.length !== SEED_DRAFTS) throw new BenchFailure('seeding drafts failed');
    const template = (await call('GET', `/invoices/${ids.all[0]}`)).body as Record<string, unknown>;
    print(
      `stack up in ${since(tStart)} (DynamoDB Local in memory, s3rver, API on ${baseUrl}, stream poller with Chromium ${RENDER_DURING ? 'running during the load' : 'started after the load'}); Node ${process.version}`,
    );

    // The floor first, on a quiet stack.
    const floorSeconds = Math.max(5, DURATION_S / 4);
    const f = await floor(endpoint, { ...template, entity: 'invoice' }, CONNECTIONS, floorSeconds);
    print(
      `floor: PutItem+GetItem, ${CONNECTIONS} callers, ${fmt(floorSeconds)} s: ${fmt(f.rate)} pairs/s, p50 ${fmt(f.p50)} ms, p99 ${fmt(f.p99)} ms (${f.n} pairs)`,
    );
    // Not a floor of the ratio: what a create's transaction costs here, one caller and all of them.
    const txSeconds = Math.max(3, DURATION_S / 12);
    const tx1 = await transactionFloor(endpoint, { ...template, entity: 'invoice' }, 1, txSeconds);
    const txN = await transactionFloor(endpoint, { ...template, entity: 'invoice' }, CONNECTIONS, txSeconds);
    print(
      `a create's transaction, raw (TransactWriteItems of 4 conditional puts), ${fmt(txSeconds)} s each: ` +
        `1 caller ${fmt(tx1.rate)}/s, p50 ${fmt(tx1.p50)} ms; ${CONNECTIONS} callers ${fmt(txN.rate)}/s (×${fmt(txN.rate / tx1.rate, 2)}), ` +
        `p50 ${fmt(txN.p50)} ms, p99 ${fmt(txN.p99)} ms`,
    );

    // The load.
    const tally: Tally = new Map();
    const seen = new Map<string, number[]>();
    const requests = cycle(MIX).map((row) => ({
      setupRequest: (req: autocannon.Request, context: Record<string, unknown>) => {
        ids.turn++;
        const b = row.build(ids);
        if (!b) return undefined as unknown as autocannon.Request; // nothing to act on yet: restart the cycle
        context.id = b.id;
        context.kind = b.kind ?? row.name;
        context.sentAt = performance.now();
        // A fresh headers object: autocannon writes Content-Length into it.
        return {
          ...req,
          method: b.method,
          path: b.path,
          headers: { ...headers },
          body: b.body === undefined ? undefined : JSON.stringify(b.body),
        } as autocannon.Request;
      },
      onResponse: (status: number, body: string, context: Record<string, unknown>) => {
        count(tally, row.name, status);
        if (typeof context.sentAt === 'number') {
          const kind = context.kind as string;
          const list = seen.get(kind) ?? [];
          list.push(performance.now() - context.sentAt);
          seen.set(kind, list);
        }
        row.onResponse?.(ids, status, body, context.id as string | undefined);
      },
    }));
    print(
      `load: ${CONNECTIONS} connections, ${DURATION_S} s, cycle ${cycle(MIX)
        .map((r) => r.name)
        .join(' ')}`,
    );
    const tLoad = performance.now();
    const loadStartedAt = Date.now();
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const result = await autocannon({
      url: baseUrl,
      connections: CONNECTIONS,
      duration: DURATION_S,
      requests: requests as autocannon.Request[],
    });
    const loadSeconds = (performance.now() - tLoad) / 1000;
    loopDelay.disable();
    const loadEndedAt = Date.now();

    const total = result.requests.total;
    const racy = MIX.reduce(
      (s, r) => s + (r.racy ?? []).reduce((t, st) => t + (tally.get(r.name)?.get(st) ?? 0), 0),
      0,
    );
    const non2xx = result.non2xx;
    print(
      `\nthroughput ${fmt(result.requests.average)} req/s (${total} requests in ${fmt(loadSeconds)} s), latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
    );
    print(
      `errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${non2xx} (of which legitimate 409 races ${racy}), pipeline resets ${result.resets}`,
    );
    print(`(requests cut off in flight when the run stopped: ${abortedAtEnd}; autocannon counts them nowhere)`);
    for (const row of MIX) {
      const m = tally.get(row.name) ?? new Map();
      const n = [...m.values()].reduce((s, v) => s + v, 0);
      print(
        `  ${row.name.padEnd(9)} ${String(n).padStart(6)}  ${fmt((100 * n) / Math.max(1, total))}%  ${[...m.entries()]
          .sort()
          .map(([st, c]) => `${st}×${c}`)
          .join(' ')}`,
      );
    }
    const ratio = result.requests.average / f.rate;
    print(`ratio handler/floor: ${fmt(ratio, 2)} (API requests/s per raw PutItem+GetItem pairs/s)`);
    printBreakdown(seen, handlerTimes(handlerLog, loadStartedAt, loadEndedAt), loopDelay, result.latency.p50);
    if (!poller) {
      print('(stream poller starting now: the PDFs of the load render after it)');
      poller = startPoller();
    }

    // The audit.
    const tDrain = performance.now();
    await poller!.drain();
    print(`\naudit (stream drained ${since(tDrain)} after the load)`);
    const problems: string[] = [];
    const bad = non2xx - racy;
    if (result.errors || result.timeouts || bad)
      problems.push(`${result.errors} errors, ${result.timeouts} timeouts, ${bad} non-2xx other than legitimate races`);

    const invoices: (Pick<Invoice, 'id' | 'number' | 'status' | 'version'> & { pdf: { status: string } })[] = [];
    for (let after: string | undefined; ;) {
      const page = await call('GET', `/invoices?limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      invoices.push(...page.body.results);
      after = page.body.paging?.next?.after;
      if (!after) break;
    }
    const numbers = invoices.map((i) => i.number);
    const unique = new Set(numbers);
    const sorted = numbers.map((n) => Number(n?.slice(4))).sort((a, b) => a - b);
    const skipped = (sorted.at(-1) ?? 1000) - 1000 - invoices.length;
    const failedCreates = [...(tally.get('create') ?? new Map<number, number>())]
      .filter(([status]) => status !== 201)
      .reduce((sum, [, c]) => sum + c, 0);
    print(
      `  ${invoices.length} invoices on the account (${ids.all.length} creates answered 201): numbers ${unique.size === numbers.length ? 'unique' : 'DUPLICATED'}, INV-1001..INV-${sorted.at(-1)}, ${skipped} skipped (${failedCreates} creates failed)`,
    );
    // Creates still in flight when the run stopped (autocannon drops their connections) may have
    // committed unacknowledged: more invoices than 201s is fine, a 201 without its invoice is not.
    const listed = new Set(invoices.map((i) => i.id));
    const lost = ids.all.filter((id) => !listed.has(id));
    if (lost.length) problems.push(`${lost.length} invoices acknowledged (201) are not listed`);
    if (unique.size !== numbers.length || numbers.includes(null)) problems.push('invoice numbers are not unique');
    if (skipped > failedCreates) problems.push(`${skipped} numbers skipped, but only ${failedCreates} creates failed`);

    const s3Client = new S3Client({
      region: REGION,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const open = invoices.filter((i) => i.status !== 'draft');
    let missing = 0;
    for (const inv of open) {
      const exists = await s3Client
        .send(new HeadObjectCommand({ Bucket: s3.bucket, Key: pdfKey({ accountId, ...inv }) }))
        .then(
          () => true,
          () => false,
        );
      if (inv.pdf.status !== 'ready' || !exists) missing++;
    }
    s3Client.destroy();
    print(
      `  ${open.length} finalized (${ids.finalized.size} finalizes answered 200): ${open.length - missing} with pdf.status ready and the object in S3, ${missing} without; dead letters ${deadLettered}`,
    );
    const openIds = new Set(open.map((i) => i.id));
    const notOpen = [...ids.finalized].filter((id) => !openIds.has(id));
    if (notOpen.length) problems.push(`${notOpen.length} invoices acknowledged as finalized (200) are not open`);
    if (missing || deadLettered)
      problems.push(`${missing} finalized invoices without their PDF, ${deadLettered} dead letters`);

    await poller!.stop();
    await new Promise<void>((r) => server.close(() => r()));
    server.closeAllConnections();
    await s3.stop();
    print(`\ntotal runtime ${since(tStart)}; handler logs in ${handlerLog}`);
    if (problems.length) {
      print(`FAILED:\n${problems.map((p) => `  ${p}`).join('\n')}`);
      return false;
    }
    print('all responses 2xx (races apart), numbers unique, every finalized invoice has its PDF');
    rmSync(join(work, 's3'), { recursive: true, force: true });
    return true;
  } catch (e) {
    print(`handler logs in ${handlerLog}`);
    throw e;
  }
}

await runBench(main);
