/**
 * Invoice creates per second through the real `POST /invoices` Lambda handler against DynamoDB
 * Local, beside the floor measured in the same run: the same numbering transaction (read the
 * counter, then one TransactWriteItems of invoice + slug guard + counter update + number guard,
 * retried with jitter on conflict) issued straight from a document client.
 *
 * Two concurrencies: 1 caller, and 16 callers racing for one account's counter. Each phase uses a
 * fresh account, so it numbers from INV-1001; every response must be a 201 and the numbers a phase
 * issued must be exactly INV-1001..INV-(1000+N), once each. The machine is small and shared, so
 * the phases are repeated in rounds (order alternating) and medians reported; the ratio is the
 * median of the per-round handler/floor ratios (the two runs of a round sit next to each other in
 * time, so drift mostly cancels).
 *
 * Env: BENCH_N (creates per phase, both concurrencies), BENCH_N1 / BENCH_N16 (one of them),
 * BENCH_ROUNDS (default 3).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Context } from 'aws-lambda';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { formatInvoiceNumber, nextNumber } from '../domain/invoices/numbering.js';
import { DEFAULT_SETTINGS } from '../domain/settings/settings.js';
import { documentClient } from '../functions/dynamodb/client.js';
import { cancellationReasons, isTransactionConflict, jitter } from '../functions/dynamodb/dynamo-errors.js';
import { collections, keys } from '../functions/dynamodb/keys.js';
import type { HttpEvent, HttpResponse } from '../functions/http/http-types.js';
import { ensureTable, startDynamoLocal, type DynamoLocal } from '../infra/local/dynamodb-local.js';

type Handler = (event: HttpEvent, context: Context) => Promise<HttpResponse>;
type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];
type Path = 'handler' | 'floor';

const TABLE = 'bench_numbering';
const REGION = 'us-east-1';
const PREFIX = DEFAULT_SETTINGS.prefix;
const START = DEFAULT_SETTINGS.startNumber;
/** The store's own limit (invoice-store.ts MAX_NUMBERING_ATTEMPTS), so the floor gives up where the handler would. */
const MAX_ATTEMPTS = 60;
const CONCURRENCIES = [1, 16] as const;

const envInt = (name: string): number | undefined => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, not ${raw}`);
  return n;
};
const ROUNDS = envInt('BENCH_ROUNDS') ?? 3;
const N: Record<(typeof CONCURRENCIES)[number], number> = {
  1: envInt('BENCH_N1') ?? envInt('BENCH_N') ?? 150,
  16: envInt('BENCH_N16') ?? envInt('BENCH_N') ?? 150,
};

/** Three lines, no contacts: a draft the way a UI's first save sends it. */
const CREATE_BODY = JSON.stringify({
  lineItems: [
    { name: 'Design work', description: 'Landing page, two rounds of revisions', quantity: 12.5, unitPrice: 9500, taxRate: 8.25 },
    { name: 'Hosting (annual)', quantity: 1, unitPrice: 24000, discount: { type: 'percent', value: 10 } },
    { name: 'Stock photos', quantity: 6, unitPrice: 1500, discount: { type: 'amount', value: 250 }, taxRate: 8.25 },
  ],
});

class BenchFailure extends Error {}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const newAccount = (label: string) => `acc_${label}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;

// ---------------------------------------------------------------------------------------------
// Counting DynamoDB requests: a middleware on a client's stack sees each send once (above the
// SDK's own retries), so per phase we get reads, transactions and cancelled transactions.

type Counts = { get: number; transact: number; cancelled: number; other: number; getMs: number; transactMs: number; otherMs: number };
const zero = (): Counts => ({ get: 0, transact: 0, cancelled: 0, other: 0, getMs: 0, transactMs: 0, otherMs: 0 });
const diff = (a: Counts, b: Counts): Counts => {
  const out = zero();
  for (const k of Object.keys(out) as (keyof Counts)[]) out[k] = a[k] - b[k];
  return out;
};

function countRequests(db: DynamoDBDocumentClient): Counts {
  const counts = zero();
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const kind = context.commandName === 'GetItemCommand' ? 'get' : context.commandName === 'TransactWriteItemsCommand' ? 'transact' : 'other';
      counts[kind]++;
      const t0 = performance.now();
      try {
        return await next(args);
      } catch (e) {
        if (kind === 'transact' && e instanceof Error && e.name === 'TransactionCanceledException') counts.cancelled++;
        throw e;
      } finally {
        counts[`${kind}Ms`] += performance.now() - t0;
      }
    },
    { step: 'initialize', name: 'benchRequestCounter' },
  );
  return counts;
}

// ---------------------------------------------------------------------------------------------
// The measured path: the handler, called as API Gateway (HTTP API, payload v2, JWT authorizer) would.

function createEvent(accountId: string, requestId: string): HttpEvent {
  const now = new Date();
  return {
    version: '2.0',
    routeKey: 'POST /invoices',
    rawPath: '/invoices',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'bench.local', 'user-agent': 'bench' },
    body: CREATE_BODY,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'bench.local',
      domainPrefix: 'bench',
      http: { method: 'POST', path: '/invoices', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId,
      routeKey: 'POST /invoices',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: { sub: 'usr_bench', accountId, role: 'superAdmin' }, scopes: [] } },
    },
  } as unknown as HttpEvent;
}

function lambdaContext(requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'bench-invoices',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:bench-invoices',
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/bench-invoices',
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function handlerCreate(handler: Handler, accountId: string): Promise<string> {
  const requestId = randomUUID();
  const res = await handler(createEvent(accountId, requestId), lambdaContext(requestId));
  if (res.statusCode !== 201) throw new BenchFailure(`handler answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
  const number = (JSON.parse(res.body) as { number?: unknown }).number;
  if (typeof number !== 'string') throw new BenchFailure(`handler's 201 has no number: ${res.body.slice(0, 300)}`);
  return number;
}

// ---------------------------------------------------------------------------------------------
// The floor: the same transaction with the same item shapes, the same read-then-transact loop,
// the same jitter, and nothing else (no settings read, no validation, no presenting).

function floorCreator(db: DynamoDBDocumentClient, template: Record<string, unknown>, newId: () => string) {
  return async (accountId: string): Promise<string> => {
    const id = newId();
    const slug = randomBytes(16).toString('hex');
    const invoice = { ...template, id, accountId, slug, domain: null, ...keys.invoice(accountId, id), gsi1pk: collections.invoices(accountId), gsi1sk: id };
    const counterKey = keys.invoiceCounter(accountId, PREFIX);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { Item } = await db.send(new GetCommand({ TableName: TABLE, Key: counterKey, ConsistentRead: true }));
      const stored = Item ? (Item.next as number) : null;
      const n = nextNumber(stored, START);
      const number = formatInvoiceNumber(PREFIX, n);
      const items: TransactItem[] = [
        { Put: { TableName: TABLE, Item: { ...invoice, number }, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName: TABLE, Item: { ...keys.slug(null, slug), entity: 'slug', accountId, invoiceId: id }, ConditionExpression: 'attribute_not_exists(pk)' } },
        {
          Update: {
            TableName: TABLE,
            Key: counterKey,
            UpdateExpression: 'SET #next = :after, entity = :entity',
            ConditionExpression: stored === null ? 'attribute_not_exists(pk)' : '#next = :read',
            ExpressionAttributeNames: { '#next': 'next' },
            ExpressionAttributeValues: { ':after': n + 1, ':entity': 'counter', ...(stored === null ? {} : { ':read': stored }) },
          },
        },
        { Put: { TableName: TABLE, Item: { ...keys.invoiceNumber(accountId, number), entity: 'invoiceNumber', invoiceId: id }, ConditionExpression: 'attribute_not_exists(pk)' } },
      ];
      try {
        await db.send(new TransactWriteCommand({ TransactItems: items }));
        return number;
      } catch (e) {
        const reasons = cancellationReasons(e);
        if (!reasons) throw e;
        const counterLost = reasons.slice(2).some((r) => r === 'ConditionalCheckFailed');
        if (!counterLost && !isTransactionConflict(reasons)) throw e;
        await jitter(attempt);
      }
    }
    throw new BenchFailure(`floor gave up after ${MAX_ATTEMPTS} attempts`);
  };
}

// ---------------------------------------------------------------------------------------------
// Running and checking a phase.

type PhaseResult = {
  path: Path;
  concurrency: number;
  n: number;
  seconds: number;
  rate: number;
  p50: number;
  p95: number;
  counts: Counts;
  /** This process's CPU (handler or floor code, SDK, sockets) per create, in ms. */
  cpuMs: number;
  problems: string[];
};

const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** `n` creates by `concurrency` callers; returns the numbers issued (or the errors) and the timing. */
async function drive(concurrency: number, n: number, create: () => Promise<string>) {
  const numbers: string[] = [];
  const errors: string[] = [];
  const latencies: number[] = [];
  let started = 0;
  const worker = async () => {
    while (started < n) {
      started++;
      const t0 = performance.now();
      try {
        numbers.push(await create());
      } catch (e) {
        errors.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
      }
      latencies.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { numbers, errors, latencies: latencies.sort((a, b) => a - b), seconds };
}

/** The numbers a fresh account was given must be exactly START..START+n-1, each once, and the counter must agree. */
async function checkNumbers(db: DynamoDBDocumentClient, accountId: string, n: number, numbers: string[]): Promise<string[]> {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const num of numbers) seen.set(num, (seen.get(num) ?? 0) + 1);
  const dupes = [...seen].filter(([, c]) => c > 1).map(([num, c]) => `${num}×${c}`);
  if (dupes.length) problems.push(`duplicate numbers: ${dupes.slice(0, 10).join(', ')}${dupes.length > 10 ? ', …' : ''}`);
  const expected = Array.from({ length: n }, (_, i) => formatInvoiceNumber(PREFIX, START + i));
  const missing = expected.filter((num) => !seen.has(num));
  const extra = [...seen.keys()].filter((num) => !expected.includes(num));
  if (missing.length) problems.push(`${missing.length} numbers never issued: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}`);
  if (extra.length) problems.push(`numbers outside ${expected[0]}..${expected.at(-1)}: ${extra.slice(0, 10).join(', ')}`);
  const { Item } = await db.send(new GetCommand({ TableName: TABLE, Key: keys.invoiceCounter(accountId, PREFIX), ConsistentRead: true }));
  if (Item?.next !== START + n) problems.push(`counter reads ${String(Item?.next)}, expected ${START + n}`);
  return problems;
}

async function phase(path: Path, concurrency: number, n: number, create: (accountId: string) => Promise<string>, counts: Counts, checkDb: DynamoDBDocumentClient): Promise<PhaseResult> {
  const accountId = newAccount(`${path}_c${concurrency}`);
  const before = { ...counts };
  const cpu0 = process.cpuUsage();
  const run = await drive(concurrency, n, () => create(accountId));
  const cpu = process.cpuUsage(cpu0);
  const used = diff(counts, before);
  const problems = run.errors.length ? [`${run.errors.length} of ${n} creates failed; first: ${run.errors[0]}`] : [];
  problems.push(...(await checkNumbers(checkDb, accountId, n, run.numbers)));
  return {
    path,
    concurrency,
    n,
    seconds: run.seconds,
    rate: n / run.seconds,
    p50: quantile(run.latencies, 0.5),
    p95: quantile(run.latencies, 0.95),
    counts: used,
    cpuMs: (cpu.user + cpu.system) / 1000 / n,
    problems,
  };
}

// ---------------------------------------------------------------------------------------------

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const pad = (s: string, w: number) => s.padStart(w);

function printPhase(r: PhaseResult) {
  const c = r.counts;
  const avg = (ms: number, count: number) => (count ? `${fmt(ms / count)} ms` : '-');
  console.log(
    `  ${r.path.padEnd(7)} c=${pad(String(r.concurrency), 2)}  ${pad(fmt(r.rate), 6)}/s  ${pad(fmt(r.seconds, 2), 6)} s  ` +
      `latency p50 ${pad(fmt(r.p50), 6)} ms p95 ${pad(fmt(r.p95), 6)} ms  node cpu ${fmt(r.cpuMs)} ms/create` +
      (r.problems.length ? '  FAILED' : ''),
  );
  console.log(
    `        per create: ${fmt(c.get / r.n, 2)} GetItem (avg ${avg(c.getMs, c.get)}), ${fmt(c.transact / r.n, 2)} TransactWriteItems (avg ${avg(c.transactMs, c.transact)}; ${c.cancelled} cancelled in all)` +
      (c.other ? `, ${fmt(c.other / r.n, 2)} other requests (avg ${avg(c.otherMs, c.other)})` : ''),
  );
  for (const p of r.problems) console.log(`      ✗ ${p}`);
}

async function main(dynamo: { current: DynamoLocal | undefined }): Promise<boolean> {
  const tStart = performance.now();
  const port = await freePort();
  dynamo.current = await startDynamoLocal({ port });
  const endpoint = dynamo.current.endpoint;
  await ensureTable(endpoint, TABLE);
  const since = (t: number) => `${fmt((performance.now() - t) / 1000)} s`;
  console.log(`DynamoDB Local (in memory) on ${endpoint} up in ${since(tStart)}, table ${TABLE}; Node ${process.version}; ${ROUNDS} rounds, N=${N[1]} at c=1, N=${N[16]} at c=16`);
  const tImport = performance.now();

  // The handler reads its environment once, at import: set it first, as Lambda does before a cold start.
  Object.assign(process.env, { TABLE_NAME: TABLE, DYNAMODB_ENDPOINT: endpoint, AWS_REGION: REGION, PUBLIC_BASE_URL: 'http://bench.local' });
  const { handler } = (await import('../functions/http/invoices.handler.js')) as unknown as { handler: Handler };
  const wiring = await import('../functions/wiring.js');
  // Same module instance as the handler's, so this is the handler's own document client. It is a
  // private field of the store; reaching it only lets us count requests, it changes nothing.
  const handlerDb = (wiring.app().deps.invoices as unknown as { db?: DynamoDBDocumentClient }).db;
  const handlerCounts = handlerDb ? countRequests(handlerDb) : zero();
  if (!handlerDb) console.log('(the handler store has no `db` field any more: handler request counts will read 0)');

  // The floor's client is built by the same factory with the same settings.
  const floorDb = documentClient({ tableName: TABLE, endpoint, region: REGION });
  const floorCounts = countRequests(floorDb);

  const handlerPath = (accountId: string) => handlerCreate(handler, accountId);
  const importTime = since(tImport);
  const tWarm = performance.now();

  // Warm-up: the handler's cold start, the SDK's sockets, and DynamoDB Local's JIT, on both paths.
  const warmAccount = newAccount('warm_handler');
  const first = await handlerPath(warmAccount);
  const created = await floorDb.send(
    new GetCommand({ TableName: TABLE, Key: keys.invoice(warmAccount, await invoiceIdByNumber(floorDb, warmAccount, first)), ConsistentRead: true }),
  );
  if (!created.Item) throw new BenchFailure('the warm-up invoice is not in the table');
  const template = created.Item;
  const floorPath = floorCreator(floorDb, template, () => wiring.ulidIds.id('inv'));
  const floorAccount = newAccount('warm_floor');
  const warmTimes: string[] = [];
  for (const [path, create, account] of [
    ['handler', handlerPath, warmAccount],
    ['floor', floorPath, floorAccount],
  ] as const) {
    const w1 = await drive(1, 20, () => create(account));
    const w16 = await drive(16, 48, () => create(account));
    const errs = [...w1.errors, ...w16.errors];
    warmTimes.push(`${path} ${fmt(w1.seconds, 2)} s + ${fmt(w16.seconds, 2)} s`);
    if (errs.length) throw new BenchFailure(`warm-up of the ${path} failed: ${errs[0]}`);
  }
  const itemBytes = Buffer.byteLength(JSON.stringify(template));
  console.log(`handler imported in ${importTime}; warm-up ${since(tWarm)} (20 at c=1 + 48 at c=16: ${warmTimes.join(', ')}); invoice item ≈ ${itemBytes} bytes as JSON\n`);

  const results: PhaseResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    console.log(`round ${round + 1}/${ROUNDS}`);
    for (const c of CONCURRENCIES) {
      const order: Path[] = round % 2 === 0 ? ['handler', 'floor'] : ['floor', 'handler'];
      for (const path of order) {
        const r =
          path === 'handler'
            ? await phase('handler', c, N[c], handlerPath, handlerCounts, floorDb)
            : await phase('floor', c, N[c], floorPath, floorCounts, floorDb);
        printPhase(r);
        results.push(r);
      }
    }
  }

  // Summary.
  const totalSeconds = (performance.now() - tStart) / 1000;
  console.log(`\nSummary (median of ${ROUNDS} rounds; ratio = median of per-round handler/floor)`);
  const head = ['conc', 'N', 'handler/s', 'floor/s', 'ratio', 'handler GetItem/create', 'floor GetItem/create', 'handler retries/create', 'floor retries/create'];
  const rows: string[][] = [];
  for (const c of CONCURRENCIES) {
    const of = (p: Path) => results.filter((r) => r.concurrency === c && r.path === p);
    const h = of('handler');
    const f = of('floor');
    const ratios = h.map((r, i) => r.rate / f[i]!.rate);
    const perCreate = (rs: PhaseResult[], k: keyof Counts) => rs.reduce((s, r) => s + r.counts[k], 0) / rs.reduce((s, r) => s + r.n, 0);
    rows.push([
      String(c),
      String(N[c]),
      fmt(median(h.map((r) => r.rate))),
      fmt(median(f.map((r) => r.rate))),
      fmt(median(ratios), 2),
      fmt(perCreate(h, 'get'), 2),
      fmt(perCreate(f, 'get'), 2),
      fmt(perCreate(h, 'cancelled'), 2),
      fmt(perCreate(f, 'cancelled'), 2),
    ]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => '  ' + cells.map((x, i) => x.padStart(widths[i]!)).join('  ');
  console.log(line(head));
  console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));

  const failed = results.filter((r) => r.problems.length);
  console.log(`\ntotal runtime ${fmt(totalSeconds)} s`);
  if (failed.length) {
    console.log(`CORRECTNESS FAILED in ${failed.length} phase(s):`);
    for (const r of failed) for (const p of r.problems) console.log(`  ${r.path} c=${r.concurrency}: ${p}`);
    return false;
  }
  console.log(`all ${results.length} phases: every create 201, numbers exactly ${formatInvoiceNumber(PREFIX, START)}..${PREFIX}-(${START - 1}+N), no duplicates, counters agree`);
  return true;
}

/** The guard item for a number names its invoice: the way from a number back to the id. */
async function invoiceIdByNumber(db: DynamoDBDocumentClient, accountId: string, number: string): Promise<string> {
  const { Item } = await db.send(new GetCommand({ TableName: TABLE, Key: keys.invoiceNumber(accountId, number), ConsistentRead: true }));
  if (typeof Item?.invoiceId !== 'string') throw new BenchFailure(`no guard item for ${number}`);
  return Item.invoiceId;
}

async function stopDynamo(d: DynamoLocal | undefined) {
  if (!d || d.process.exitCode !== null || d.process.signalCode !== null) return;
  const exited = new Promise<void>((r) => d.process.once('exit', () => r()));
  d.stop();
  const timer = setTimeout(() => d.process.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

const dynamo: { current: DynamoLocal | undefined } = { current: undefined };
// However the process ends (an uncaught error, a closed stdout pipe), DynamoDB Local must not outlive it.
process.on('exit', () => dynamo.current?.stop());
process.stdout.on('error', () => process.exit(1));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping DynamoDB Local`);
    void stopDynamo(dynamo.current).finally(() => process.exit(130));
  });
}

let ok = false;
try {
  ok = await main(dynamo);
} catch (e) {
  console.error(e instanceof BenchFailure ? `BENCHMARK FAILED: ${e.message}` : e);
} finally {
  await stopDynamo(dynamo.current);
}
// The SDK clients keep sockets open; nothing else is left to do.
process.exit(ok ? 0 : 1);
