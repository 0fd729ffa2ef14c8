/**
 * Invoice creates per second through the real `POST /invoices` Lambda handler against DynamoDB
 * Local (default settings: `onCreate` numbering), beside two floors measured in the same run,
 * issued straight from a document client:
 * - `floor`: the gapless numbering transaction (read the counter, then one TransactWriteItems of
 *   invoice + slug guard + counter update + number guard, retried with the store's jitter on
 *   conflict): the handler's mechanism before onCreate numbering took increments.
 * - `add+put`: a raw atomic increment of the counter (one UpdateItem) and one PutItem of the
 *   invoice: the least any create that numbers can do.
 * - `add+tx`: the same increment, then the one TransactWriteItems an onCreate create needs
 *   (invoice + slug guard + its history entry + number guard): the handler's own mechanism
 *   without the handler (no settings, validation, middleware, logging or presenting).
 * - `add+guard` (c=16 only): the same increment, then a transaction of the invoice and its number
 *   guard alone: the least a create that keeps the number guard can write (no slug guard, no
 *   history entry, so not a create the service may make). On DynamoDB Local a transaction costs
 *   far more per item than a PutItem, so this row bounds what any guarded create can reach
 *   against `add+put`.
 *
 * Two concurrencies, each phase on a fresh account (so it numbers from INV-1001):
 * - c=1: one caller.
 * - c=16: 16 callers racing for one account's counter. A Lambda instance serves one request at a
 *   time, so 16 concurrent requests are 16 instances, each with its own module state (store,
 *   client, sockets). The handler is bundled with esbuild (packages left external, as shared code)
 *   and the bundle imported 16 times under distinct URLs: 16 cold starts, 16 independent
 *   instances, each called one request at a time, all in this thread like the floor's 16 async
 *   callers. An extra row runs 16 concurrent callers through the one in-process handler, as the
 *   local runtime does; the store queues numbering writes per counter inside a process, so that
 *   row shows the queue, not the race.
 *
 * Every response must be a 201 and no number may be issued twice. The gapless floor must issue
 * exactly INV-1001..INV-(1000+N) with the counter at 1001+N; the increment paths may leave a gap
 * only for a create that failed (counted as skipped numbers: none when every create succeeds),
 * and every number the handler issued has its guard item naming its invoice. A last phase
 * (BENCH_FAIL_RATE, default 0.05; 0 skips it) makes that fraction of the 16 instances'
 * transactions fail before they reach DynamoDB (a 503 to the caller) and checks that the skipped
 * numbers are at most the failed creates, and no number twice. Otherwise the run exits 1.
 * The table has no stream, floors and handler alike: nothing in this bench reads one, and DynamoDB
 * Local keeps every stream record it was given and slows each write to a table with a stream as they
 * pile up (the 4- or 5-item transaction of a create far more than a single PutItem, so a stream
 * would tilt every ratio against the transactions, and more so in later phases). That is an
 * emulator artefact: in AWS a stream costs the write path nothing.
 * The machine is small and shared, so phases repeat in rounds (order alternating) and medians are
 * reported; a ratio is the median of the per-round handler/floor ratios, since the phases of one
 * round run next to each other in time and drift mostly cancels.
 *
 * Env: BENCH_N (creates per phase, both concurrencies), BENCH_N1 / BENCH_N16 (one of them),
 * BENCH_ROUNDS (default 3), BENCH_SHARED=0 to skip the one-process row, BENCH_GAPLESS16=1 to run
 * the gapless floor at c=16 too (slow: 16 callers race for one counter), BENCH_FAIL_RATE.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import {
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { formatInvoiceNumber, nextNumber } from '../domain/invoices/numbering.js';
import { DEFAULT_SETTINGS } from '../domain/settings/settings.js';
import { documentClient } from '../functions/dynamodb/client.js';
import { cancellationReasons, isTransactionConflict, jitter } from '../functions/dynamodb/dynamo-errors.js';
import { collections, keys } from '../functions/dynamodb/keys.js';
import type { HttpEvent, HttpResponse } from '../functions/http/http-types.js';
import { ensureTable, startDynamoLocal } from '../infra/local/dynamodb-local.js';
import { freePort } from '../infra/local/free-port.js';
import { BenchFailure, runBench, type RunningDynamo } from './support/bench-runner.js';
import { fmt, printTable } from './support/report.js';
import type { Invoice } from '../domain/invoices/invoice.js';
import { byUser, historyEntry } from '../domain/audit/history.js';
import { historyPut } from '../functions/dynamodb/audit-items.js';
import { fromItem } from '../functions/dynamodb/items.js';

type Handler = (event: HttpEvent, context: Context) => Promise<HttpResponse>;
type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];
/** `handler` at c=16 is 16 instances (one request at a time each); `shared` is 16 callers on one instance. */
type Path = 'handler' | 'floor' | 'addPut' | 'addTx' | 'addGuard' | 'shared';

const TABLE = 'bench_numbering';
const REGION = 'us-east-1';
const PREFIX = DEFAULT_SETTINGS.prefix;
const START = DEFAULT_SETTINGS.startNumber;
/** The store's own limit (MAX_NUMBERING_ATTEMPTS in invoice-store.ts), so the floor gives up where the handler would. */
const MAX_ATTEMPTS = 60;
const CONCURRENCIES = [1, 16] as const;
type Concurrency = (typeof CONCURRENCIES)[number];
const INSTANCES = 16;

const envInt = (name: string): number | undefined => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, not ${raw}`);
  return n;
};

/** Three lines, no contacts: a draft the way a UI's first save sends it. */
const CREATE_BODY = JSON.stringify({
  lineItems: [
    {
      name: 'Design work',
      description: 'Landing page, two rounds of revisions',
      quantity: 12.5,
      unitPrice: 9500,
      taxRate: 8.25,
    },
    { name: 'Hosting (annual)', quantity: 1, unitPrice: 24000, discount: { type: 'percent', value: 10 } },
    { name: 'Stock photos', quantity: 6, unitPrice: 1500, discount: { type: 'amount', value: 250 }, taxRate: 8.25 },
  ],
});

const newAccount = (label: string) => `acc_${label}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
const errorText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

// ---------------------------------------------------------------------------------------------
// Counting DynamoDB requests: a middleware on a client's stack sees each send once (above the
// SDK's own retries), so per phase we get reads, transactions, cancelled transactions and time.

type Counts = {
  get: number;
  transact: number;
  cancelled: number;
  other: number;
  getMs: number;
  transactMs: number;
  otherMs: number;
};
const zero = (): Counts => ({ get: 0, transact: 0, cancelled: 0, other: 0, getMs: 0, transactMs: 0, otherMs: 0 });
const combine = (a: Counts, b: Counts, sign: 1 | -1): Counts => {
  const out = zero();
  for (const k of Object.keys(out) as (keyof Counts)[]) out[k] = a[k] + sign * b[k];
  return out;
};

function countRequests(db: DynamoDBDocumentClient): Counts {
  const counts = zero();
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const kind =
        context.commandName === 'GetItemCommand'
          ? 'get'
          : context.commandName === 'TransactWriteItemsCommand'
            ? 'transact'
            : 'other';
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
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        jwt: { claims: { sub: 'usr_bench', accountId, role: 'superAdmin' }, scopes: [] },
      },
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

type HandlerModule = { handler: Handler } & Pick<typeof import('../functions/wiring.js'), 'app' | 'ulidIds'>;
type Instance = { handler: Handler; counts: Counts; counted: boolean; newInvoiceId: () => string };

/** The fraction of the instances' TransactWriteItems that fail before reaching DynamoDB (the last phase). */
const injected = { rate: 0 };

/** A transaction lost on its way (a 503 to the caller): whatever the create took before it is left unused. */
function injectFailures(db: DynamoDBDocumentClient) {
  db.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'TransactWriteItemsCommand' && Math.random() < injected.rate) {
        const e = new Error('injected by the bench: the transaction never reached DynamoDB');
        e.name = 'ServiceUnavailable';
        throw e;
      }
      return next(args);
    },
    { step: 'initialize', name: 'benchInjectedFailure' },
  );
}

/**
 * One handler instance from its modules, imported after the environment is set. The store's
 * client is a private field, reached only to count requests.
 */
function instance(mod: HandlerModule): Instance {
  const db = (mod.app().deps.invoices as unknown as { db?: DynamoDBDocumentClient }).db;
  if (db) injectFailures(db);
  return {
    handler: mod.handler,
    counts: db ? countRequests(db) : zero(),
    counted: db !== undefined,
    newInvoiceId: () => mod.ulidIds.id('inv'),
  };
}

/** The handler as the local runtime and the tests load it: its own source modules. */
async function sourceInstance(): Promise<Instance> {
  const { handler } = (await import('../functions/http/invoices.handler.js')) as unknown as { handler: Handler };
  const { app, ulidIds } = await import('../functions/wiring.js');
  return instance({ handler, app, ulidIds });
}

/**
 * `count` independent instances: one esbuild bundle of the handler and its wiring (packages stay
 * external, resolved to the same files the source uses), imported under `count` distinct URLs so
 * each evaluates its own copy of the project's modules.
 */
async function bundledInstances(count: number): Promise<Instance[]> {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'bench-numbering-'));
  try {
    const outfile = join(dir, 'handler-instance.mjs');
    await build({
      stdin: {
        contents:
          "export { handler } from '../functions/http/invoices.handler.js';\nexport { app, ulidIds } from '../functions/wiring.js';\n",
        resolveDir: import.meta.dirname,
        sourcefile: 'handler-instance.ts',
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      outfile,
      logLevel: 'warning',
      plugins: [
        {
          name: 'packages-by-url',
          setup(b) {
            b.onResolve({ filter: /^[^./]/ }, (args) => ({
              path: args.path.startsWith('node:') ? args.path : import.meta.resolve(args.path),
              external: true,
            }));
          },
        },
      ],
    });
    const url = pathToFileURL(outfile).href;
    const instances: Instance[] = [];
    for (let i = 0; i < count; i++) instances.push(instance((await import(`${url}?instance=${i}`)) as HandlerModule));
    return instances;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The floor: the same transaction with the same item shapes, the same read-then-transact loop,
// the same jitter, and nothing else (no settings read, no validation, no presenting).

function floorCreator(db: DynamoDBDocumentClient, template: Record<string, unknown>, newId: () => string) {
  return async (accountId: string): Promise<string> => {
    const id = newId();
    const slug = randomBytes(16).toString('hex');
    const invoice = {
      ...template,
      id,
      accountId,
      slug,
      domain: null,
      ...keys.invoice(accountId, id),
      gsi1pk: collections.invoices(accountId),
      gsi1sk: id,
    };
    const counterKey = keys.invoiceCounter(accountId, PREFIX);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { Item } = await db.send(new GetCommand({ TableName: TABLE, Key: counterKey, ConsistentRead: true }));
      const stored = Item ? (Item.next as number) : null;
      const n = nextNumber(stored, START);
      const number = formatInvoiceNumber(PREFIX, n);
      const items: TransactItem[] = [
        { Put: { TableName: TABLE, Item: { ...invoice, number }, ConditionExpression: 'attribute_not_exists(pk)' } },
        {
          Put: {
            TableName: TABLE,
            Item: { ...keys.slug(null, slug), entity: 'slug', accountId, invoiceId: id },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            TableName: TABLE,
            Key: counterKey,
            UpdateExpression: 'SET #next = :after, entity = :entity',
            ConditionExpression: stored === null ? 'attribute_not_exists(pk)' : '#next = :read',
            ExpressionAttributeNames: { '#next': 'next' },
            ExpressionAttributeValues: {
              ':after': n + 1,
              ':entity': 'counter',
              ...(stored === null ? {} : { ':read': stored }),
            },
          },
        },
        {
          Put: {
            TableName: TABLE,
            Item: { ...keys.invoiceNumber(accountId, number), entity: 'invoiceNumber', invoiceId: id },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
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

/**
 * The least a numbered create can do: one atomic increment of the counter, then one PutItem of the
 * invoice with its number (no slug guard, no number guard, no history entry, no transaction).
 */
function addPutCreator(db: DynamoDBDocumentClient, template: Record<string, unknown>, newId: () => string) {
  return async (accountId: string): Promise<string> => {
    const id = newId();
    const slug = randomBytes(16).toString('hex');
    const { Attributes } = await db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.invoiceCounter(accountId, PREFIX),
        UpdateExpression: 'SET #next = if_not_exists(#next, :start) + :one',
        ExpressionAttributeNames: { '#next': 'next' },
        ExpressionAttributeValues: { ':start': START, ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const number = formatInvoiceNumber(PREFIX, (Attributes!.next as number) - 1);
    await db.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          ...template,
          id,
          accountId,
          slug,
          domain: null,
          number,
          ...keys.invoice(accountId, id),
          gsi1pk: collections.invoices(accountId),
          gsi1sk: id,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return number;
  };
}

/**
 * `add+put`'s increment, then the transaction of the create's four items, as the store writes them;
 * `guardOnly`: of the invoice and its number guard alone (the `add+guard` floor).
 */
function addTxCreator(
  db: DynamoDBDocumentClient,
  template: Record<string, unknown>,
  newId: () => string,
  { guardOnly = false } = {},
) {
  const invoice = fromItem<Invoice>(template);
  return async (accountId: string): Promise<string> => {
    const id = newId();
    const slug = randomBytes(16).toString('hex');
    const { Attributes } = await db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.invoiceCounter(accountId, PREFIX),
        UpdateExpression: 'SET #next = if_not_exists(#next, :start) + :one',
        ExpressionAttributeNames: { '#next': 'next' },
        ExpressionAttributeValues: { ':start': START, ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const number = formatInvoiceNumber(PREFIX, (Attributes!.next as number) - 1);
    const inv: Invoice = { ...invoice, id, accountId, slug, domain: null, number };
    const change = byUser({ userId: 'usr_bench' } as Parameters<typeof byUser>[0], 'created', inv.createdAt);
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: TABLE,
              Item: {
                ...template,
                ...inv,
                ...keys.invoice(accountId, id),
                gsi1pk: collections.invoices(accountId),
                gsi1sk: id,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...(guardOnly
            ? []
            : [
                {
                  Put: {
                    TableName: TABLE,
                    Item: { ...keys.slug(null, slug), entity: 'slug', accountId, invoiceId: id },
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
                historyPut(TABLE, historyEntry(change, null, inv), inv.version),
              ]),
          {
            Put: {
              TableName: TABLE,
              Item: { ...keys.invoiceNumber(accountId, number), entity: 'invoiceNumber', invoiceId: id },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
    return number;
  };
}

// ---------------------------------------------------------------------------------------------
// Driving creates: each caller takes the next index until N are started.

type Drive = { numbers: string[]; errors: string[]; latencies: number[]; counts: Counts };

async function callerLoop(started: { count: number }, n: number, create: () => Promise<string>, out: Drive) {
  while (started.count++ < n) {
    const t0 = performance.now();
    try {
      out.numbers.push(await create());
    } catch (e) {
      out.errors.push(errorText(e));
    }
    out.latencies.push(performance.now() - t0);
  }
}

/** `concurrency` callers on one handler instance (or on the floor). */
async function drive(concurrency: number, n: number, create: () => Promise<string>, counts: Counts): Promise<Drive> {
  const started = { count: 0 };
  const before = { ...counts };
  const out: Drive = { numbers: [], errors: [], latencies: [], counts: zero() };
  await Promise.all(Array.from({ length: concurrency }, () => callerLoop(started, n, create, out)));
  out.counts = combine(counts, before, -1);
  return out;
}

/** One caller per instance, each instance serving one request at a time, as Lambda runs them. */
async function driveInstances(instances: Instance[], n: number, accountId: string): Promise<Drive> {
  const started = { count: 0 };
  const before = instances.map((i) => ({ ...i.counts }));
  const out: Drive = { numbers: [], errors: [], latencies: [], counts: zero() };
  await Promise.all(instances.map((i) => callerLoop(started, n, () => handlerCreate(i.handler, accountId), out)));
  out.counts = instances.reduce((sum, i, k) => combine(sum, combine(i.counts, before[k]!, -1), 1), zero());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Phases and checks.

type PhaseResult = {
  path: Path;
  concurrency: Concurrency;
  n: number;
  seconds: number;
  rate: number;
  p50: number;
  p95: number;
  counts: Counts;
  /** This process's CPU (handler or floor code, SDK, sockets) per create, in ms. */
  cpuMs: number;
  /** Creates that did not answer 201, and numbers the counter passed that no create kept. */
  failed: number;
  skipped: number;
  problems: string[];
};

const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * No number twice, ever. The gapless floor must have issued exactly START..START+n-1 with its
 * counter at START+n. The increment paths hand out START..counter-1: a number none of the answers
 * carries is skipped, and only a failed create may leave one. The handler's numbers each have their
 * guard item, naming an invoice of that number.
 */
async function checkNumbers(
  db: DynamoDBDocumentClient,
  path: Path,
  accountId: string,
  n: number,
  numbers: string[],
  failed: number,
): Promise<{ problems: string[]; skipped: number }> {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const num of numbers) seen.set(num, (seen.get(num) ?? 0) + 1);
  const some = (xs: string[]) => `${xs.slice(0, 10).join(', ')}${xs.length > 10 ? ', …' : ''}`;
  const dupes = [...seen].filter(([, c]) => c > 1).map(([num, c]) => `${num}×${c}`);
  if (dupes.length) problems.push(`duplicate numbers: ${some(dupes)}`);
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.invoiceCounter(accountId, PREFIX), ConsistentRead: true }),
  );
  const counter = typeof Item?.next === 'number' ? Item.next : START;
  const gapless = path === 'floor';
  const last = gapless ? START + n - 1 : counter - 1;
  const expected = new Set(Array.from({ length: last - START + 1 }, (_, i) => formatInvoiceNumber(PREFIX, START + i)));
  const missing = [...expected].filter((num) => !seen.has(num));
  const extra = [...seen.keys()].filter((num) => !expected.has(num));
  if (extra.length) problems.push(`numbers outside ${PREFIX}-${START}..${PREFIX}-${last}: ${some(extra)}`);
  if (gapless) {
    if (missing.length) problems.push(`${missing.length} numbers never issued: ${some(missing)}`);
    if (counter !== START + n) problems.push(`counter reads ${String(Item?.next)}, expected ${START + n}`);
  } else if (missing.length > failed) {
    problems.push(`${missing.length} numbers skipped but only ${failed} creates failed: ${some(missing)}`);
  }
  if (path === 'handler' || path === 'shared') {
    const unguarded: string[] = [];
    for (const num of seen.keys()) {
      const guard = await db.send(
        new GetCommand({ TableName: TABLE, Key: keys.invoiceNumber(accountId, num), ConsistentRead: true }),
      );
      const invoiceId = guard.Item?.invoiceId;
      const invoice =
        typeof invoiceId === 'string'
          ? await db.send(new GetCommand({ TableName: TABLE, Key: keys.invoice(accountId, invoiceId) }))
          : undefined;
      if (invoice?.Item?.number !== num) unguarded.push(num);
    }
    if (unguarded.length) problems.push(`numbers without a guard naming their invoice: ${some(unguarded)}`);
  }
  return { problems, skipped: missing.length };
}

async function phase(
  path: Path,
  concurrency: Concurrency,
  n: number,
  run: (accountId: string) => Promise<Drive>,
  checkDb: DynamoDBDocumentClient,
  opts: { failuresExpected?: boolean } = {},
): Promise<PhaseResult> {
  const accountId = newAccount(`${path}_c${concurrency}`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const d = await run(accountId);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const problems =
    d.errors.length && !opts.failuresExpected
      ? [`${d.errors.length} of ${n} creates failed; first: ${d.errors[0]}`]
      : [];
  const checked = await checkNumbers(checkDb, path, accountId, n, d.numbers, d.errors.length);
  problems.push(...checked.problems);
  const latencies = d.latencies.sort((a, b) => a - b);
  return {
    path,
    concurrency,
    n,
    seconds,
    rate: n / seconds,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    counts: d.counts,
    cpuMs: (cpu.user + cpu.system) / 1000 / n,
    failed: d.errors.length,
    skipped: checked.skipped,
    problems,
  };
}

// ---------------------------------------------------------------------------------------------
// Output.

const since = (t: number) => `${fmt((performance.now() - t) / 1000)} s`;
const LABEL: Record<Path, string> = {
  handler: 'handler',
  floor: 'floor (gapless tx)',
  addPut: 'floor (add+put)',
  addTx: 'floor (add+tx)',
  addGuard: 'floor (add+guard)',
  shared: 'handler, 1 process',
};

function printPhase(r: PhaseResult) {
  const c = r.counts;
  const avg = (ms: number, count: number) => (count ? `${fmt(ms / count)} ms` : '-');
  const label = r.path === 'handler' && r.concurrency === INSTANCES ? `handler, ${INSTANCES} instances` : LABEL[r.path];
  console.log(
    `  c=${String(r.concurrency).padStart(2)} ${label.padEnd(21)} ${fmt(r.rate).padStart(6)}/s  ${fmt(r.seconds, 2).padStart(6)} s  ` +
      `latency p50 ${fmt(r.p50).padStart(6)} ms, p95 ${fmt(r.p95).padStart(6)} ms  node cpu ${fmt(r.cpuMs)} ms/create${r.problems.length ? '  FAILED' : ''}`,
  );
  console.log(
    `       per create: ${fmt(c.get / r.n, 2)} GetItem (avg ${avg(c.getMs, c.get)}), ${fmt(c.transact / r.n, 2)} TransactWriteItems (avg ${avg(c.transactMs, c.transact)}), ` +
      `${fmt(c.cancelled / r.n, 2)} cancelled` +
      (c.other ? `, ${fmt(c.other / r.n, 2)} other requests (avg ${avg(c.otherMs, c.other)})` : '') +
      (r.path === 'floor' ? '' : `; ${r.failed} failed, ${r.skipped} numbers skipped`),
  );
  for (const p of r.problems) console.log(`       ✗ ${p}`);
}

function printSummary(results: PhaseResult[], rounds: number, N: Record<Concurrency, number>) {
  const rows: string[][] = [];
  const perCreate = (rs: PhaseResult[], f: (c: Counts) => number) =>
    fmt(rs.reduce((s, r) => s + f(r.counts), 0) / rs.reduce((s, r) => s + r.n, 0), 2);
  const requests = (c: Counts) => c.get + c.transact + c.other;
  const row = (label: string, c: Concurrency, path: Path, floor: Path) => {
    const of = (p: Path) => results.filter((r) => r.concurrency === c && r.path === p);
    const h = of(path);
    const f = of(floor);
    if (!h.length || !f.length) return;
    const ratios = h.map((r, i) => r.rate / f[i]!.rate);
    rows.push([
      label,
      LABEL[floor].replace('floor ', ''),
      String(N[c]),
      fmt(median(h.map((r) => r.rate))),
      fmt(median(f.map((r) => r.rate))),
      fmt(median(ratios), 2),
      perCreate(h, requests),
      perCreate(f, requests),
      perCreate(h, (x) => x.cancelled),
      perCreate(f, (x) => x.cancelled),
    ]);
  };
  row('c=1', 1, 'handler', 'floor');
  row('c=1', 1, 'handler', 'addPut');
  row('c=1', 1, 'handler', 'addTx');
  row(`c=16 (${INSTANCES} instances)`, 16, 'handler', 'addPut');
  row(`c=16 (${INSTANCES} instances)`, 16, 'handler', 'addTx');
  row(`c=16 (${INSTANCES} instances)`, 16, 'handler', 'floor');
  row('c=16 (1 process)', 16, 'shared', 'addPut');
  row('c=16 (1 process)', 16, 'shared', 'addTx');
  // Floors against add+put: what a transaction costs DynamoDB Local, before any code of ours.
  row('c=16 add+tx, no handler', 16, 'addTx', 'addPut');
  row('c=16 add+guard, no handler', 16, 'addGuard', 'addPut');
  const head = [
    'concurrency',
    'floor',
    'N',
    'handler/s',
    'floor/s',
    'ratio',
    'handler req/create',
    'floor req/create',
    'handler retries/create',
    'floor retries/create',
  ];
  console.log(
    `\nSummary: creates per second, median of ${rounds} round${rounds === 1 ? '' : 's'}; ratio = median of the per-round handler/floor ratios`,
  );
  printTable(head, rows, { firstColumnLeft: true });
  console.log('  (req = DynamoDB requests; retries = cancelled TransactWriteItems)');
}

// ---------------------------------------------------------------------------------------------

/** The guard item for a number names its invoice: the way from a number back to its item. */
async function invoiceItemByNumber(
  db: DynamoDBDocumentClient,
  accountId: string,
  number: string,
): Promise<Record<string, unknown>> {
  const guard = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.invoiceNumber(accountId, number), ConsistentRead: true }),
  );
  if (typeof guard.Item?.invoiceId !== 'string') throw new BenchFailure(`no guard item for ${number}`);
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.invoice(accountId, guard.Item.invoiceId), ConsistentRead: true }),
  );
  if (!Item) throw new BenchFailure(`invoice ${guard.Item.invoiceId} (${number}) is not in the table`);
  return Item;
}

async function main(dynamo: RunningDynamo): Promise<boolean> {
  const ROUNDS = envInt('BENCH_ROUNDS') ?? 3;
  const N: Record<Concurrency, number> = {
    1: envInt('BENCH_N1') ?? envInt('BENCH_N') ?? 150,
    16: envInt('BENCH_N16') ?? envInt('BENCH_N') ?? 96,
  };
  const shared = process.env.BENCH_SHARED !== '0';
  const gapless16 = process.env.BENCH_GAPLESS16 === '1';
  const failRate = Number(process.env.BENCH_FAIL_RATE ?? '0.05');
  const tStart = performance.now();

  dynamo.current = await startDynamoLocal({ port: await freePort() });
  const endpoint = dynamo.current.endpoint;
  // No stream: see the header (an emulator artefact that grows with every write of the run).
  await ensureTable(endpoint, TABLE, { stream: false });
  console.log(
    `DynamoDB Local (in memory) on ${endpoint}, up in ${since(tStart)}; Node ${process.version}; ${ROUNDS} round(s), N=${N[1]} at c=1, N=${N[16]} at c=16`,
  );

  // The handler reads its environment once, at import: set it first, as Lambda does before a cold start.
  Object.assign(process.env, {
    TABLE_NAME: TABLE,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: REGION,
    PUBLIC_BASE_URL: 'http://bench.local',
  });
  const tWarm = performance.now();
  const local = await sourceInstance();
  const tInstances = performance.now();
  const instances = await bundledInstances(INSTANCES);
  const instanceTime = since(tInstances);
  if (!local.counted) console.log('(the store has no `db` field any more: handler request counts will read 0)');
  const handlerOne = (accountId: string) => handlerCreate(local.handler, accountId);
  // The floor's client comes from the same factory with the same settings as the handler's.
  const floorDb = documentClient({ tableName: TABLE, endpoint, region: REGION });
  const floorCounts = countRequests(floorDb);

  // Warm-up: the SDK's sockets, V8's and DynamoDB Local's JIT, on every path. The floor's item
  // template is an invoice the handler wrote.
  const warm = newAccount('warm');
  const template = await invoiceItemByNumber(floorDb, warm, await handlerOne(warm));
  const floorOne = floorCreator(floorDb, template, local.newInvoiceId);
  const addPutOne = addPutCreator(floorDb, template, local.newInvoiceId);
  const addTxOne = addTxCreator(floorDb, template, local.newInvoiceId);
  const addGuardOne = addTxCreator(floorDb, template, local.newInvoiceId, { guardOnly: true });
  const warmFloor = newAccount('warm_floor');
  const warmAddPut = newAccount('warm_add_put');
  const warmRuns = [
    await drive(1, 30, () => handlerOne(warm), local.counts),
    await drive(16, 16, () => handlerOne(warm), local.counts),
    await driveInstances(instances, 32, newAccount('warm_instances')),
    await drive(1, 30, () => floorOne(warmFloor), floorCounts),
    await drive(16, 16, () => floorOne(warmFloor), floorCounts),
    await drive(1, 30, () => addPutOne(warmAddPut), floorCounts),
    await drive(16, 32, () => addPutOne(warmAddPut), floorCounts),
    await drive(1, 30, () => addTxOne(warmAddPut), floorCounts),
    await drive(16, 32, () => addTxOne(warmAddPut), floorCounts),
    await drive(16, 32, () => addGuardOne(warmAddPut), floorCounts),
  ];
  const warmErrors = warmRuns.flatMap((d) => d.errors);
  if (warmErrors.length) throw new BenchFailure(`${warmErrors.length} warm-up creates failed; first: ${warmErrors[0]}`);
  console.log(
    `handler cold start + ${INSTANCES} bundled instances (${instanceTime}) + warm-up: ${since(tWarm)}; invoice item ≈ ${Buffer.byteLength(JSON.stringify(template))} bytes as JSON\n`,
  );

  const runners: Record<Path, Record<Concurrency, (accountId: string) => Promise<Drive>>> = {
    handler: {
      1: (a) => drive(1, N[1], () => handlerOne(a), local.counts),
      16: (a) => driveInstances(instances, N[16], a),
    },
    floor: {
      1: (a) => drive(1, N[1], () => floorOne(a), floorCounts),
      16: (a) => drive(16, N[16], () => floorOne(a), floorCounts),
    },
    addPut: {
      1: (a) => drive(1, N[1], () => addPutOne(a), floorCounts),
      16: (a) => drive(16, N[16], () => addPutOne(a), floorCounts),
    },
    addTx: {
      1: (a) => drive(1, N[1], () => addTxOne(a), floorCounts),
      16: (a) => drive(16, N[16], () => addTxOne(a), floorCounts),
    },
    addGuard: {
      1: () => Promise.reject(new Error('no c=1 add+guard phase')),
      16: (a) => drive(16, N[16], () => addGuardOne(a), floorCounts),
    },
    shared: {
      1: () => Promise.reject(new Error('no c=1 shared phase')),
      16: (a) => drive(16, N[16], () => handlerOne(a), local.counts),
    },
  };
  const results: PhaseResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    console.log(`round ${round + 1}/${ROUNDS}`);
    for (const c of CONCURRENCIES) {
      const paths: Path[] =
        c === 1
          ? ['handler', 'floor', 'addPut', 'addTx']
          : [
              'handler',
              'addPut',
              'addTx',
              'addGuard',
              ...(gapless16 ? (['floor'] as const) : []),
              ...(shared ? (['shared'] as const) : []),
            ];
      if (round % 2 === 1) paths.reverse();
      for (const path of paths) {
        const r = await phase(path, c, N[c], runners[path][c], floorDb);
        printPhase(r);
        results.push(r);
      }
    }
  }

  if (failRate > 0) {
    // Not in the ratios: creates that fail after their number was taken, and what that leaves.
    console.log(`with ${fmt(failRate * 100, 0)}% of the instances' transactions failing before DynamoDB:`);
    injected.rate = failRate;
    const r = await phase('handler', 16, N[16], runners.handler[16], floorDb, { failuresExpected: true });
    injected.rate = 0;
    printPhase(r);
    results.push({ ...r, rate: NaN });
  }

  printSummary(
    results.filter((r) => !Number.isNaN(r.rate)),
    ROUNDS,
    N,
  );
  const skippedTotal = results.filter((r) => r.path !== 'floor').reduce((sum, r) => sum + r.skipped, 0);
  const failedTotal = results.filter((r) => r.path !== 'floor').reduce((sum, r) => sum + r.failed, 0);
  console.log(`  numbers skipped on the increment paths: ${skippedTotal}, with ${failedTotal} failed creates`);
  console.log(`\ntotal runtime ${since(tStart)}`);
  const failed = results.filter((r) => r.problems.length);
  if (failed.length) {
    console.log(`CORRECTNESS FAILED in ${failed.length} phase(s):`);
    for (const r of failed) for (const p of r.problems) console.log(`  ${LABEL[r.path]} c=${r.concurrency}: ${p}`);
    return false;
  }
  console.log(
    `correctness: no number issued twice in ${results.length} phases; every create answered 201 but the injected failures; ` +
      `the gapless floor issued exactly ${PREFIX}-${START}..${PREFIX}-(${START - 1}+N); ${skippedTotal} numbers skipped, each by a failed create; ` +
      `every number the handler issued has its guard`,
  );
  return true;
}

await runBench(main);
