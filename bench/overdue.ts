/**
 * What the past-due job reads, against what is past due, as the table grows: at 1,000 and then
 * 20,000 invoices, each time with 50 open invoices past due, the job (its real Lambda handler,
 * against an in-memory DynamoDB Local started here) should read 50 index items: the floor, since
 * each past-due invoice has to be looked at once. The ratio items-read / past-due is printed
 * beside it and should be 1.00 at both sizes; the time of the run beside that. A second run at each
 * size has nothing to flag and should read nothing.
 *
 * The table grows in place: the second size adds 19,000 invoices (50 of them past due) to the
 * first 1,000, whose 50 were flagged by then. Invoices are made by the invoice store itself (see
 * test/support/overdue-seed.ts): drafts, paid, voided, already flagged, and open ones not yet due,
 * in several accounts across time zones from UTC-10 to UTC+14.
 *
 * Env: BENCH_PAST_DUE (default 50), BENCH_SIZES (default "1000,20000").
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DEFAULT_SETTINGS } from '../domain/settings/settings.js';
import { documentClient } from '../functions/dynamodb/client.js';
import { DynamoSettingsStore } from '../functions/dynamodb/settings-store.js';
import { ensureTable, startDynamoLocal } from '../infra/local/dynamodb-local.js';
import { freePort } from '../infra/local/free-port.js';
import { fmt, printTable, seconds, verdict } from './support/report.js';
import { BenchFailure, runBench, type RunningDynamo } from './support/bench-runner.js';
import { bulkSeedInvoices, planSeed, readItems } from '../test/support/overdue-seed.js';

const TABLE = 'bench_overdue';
const REGION = 'us-east-1';
const ZONES = [
  null,
  'Europe/Amsterdam',
  'Asia/Tokyo',
  'Pacific/Kiritimati',
  'Pacific/Honolulu',
  'America/Los_Angeles',
] as const;

type Row = {
  total: number;
  pastDue: number;
  itemsRead: number;
  flagged: number;
  ms: number;
  againRead: number;
  againMs: number;
};

async function main(dynamo: RunningDynamo): Promise<boolean> {
  const pastDue = Number(process.env.BENCH_PAST_DUE ?? 50);
  const sizes = (process.env.BENCH_SIZES ?? '1000,20000').split(',').map(Number);
  if (!Number.isInteger(pastDue) || pastDue < 1)
    throw new BenchFailure('BENCH_PAST_DUE must be a positive whole number');
  if (!sizes.every((n, i) => Number.isInteger(n) && n >= pastDue && (i === 0 || n - sizes[i - 1]! >= pastDue))) {
    throw new BenchFailure('BENCH_SIZES must grow, each step by at least BENCH_PAST_DUE');
  }
  const tStart = performance.now();
  dynamo.current = await startDynamoLocal({ port: await freePort() });
  const endpoint = dynamo.current.endpoint;
  await ensureTable(endpoint, TABLE);
  console.log(`DynamoDB Local (in memory) on ${endpoint}, up in ${seconds(tStart)}; Node ${process.version}`);

  const db = documentClient({ tableName: TABLE, endpoint, region: REGION });
  const accounts = ZONES.map((_, i) => `acc_bench_${i}_${randomUUID().slice(0, 6)}`);
  const settings = new DynamoSettingsStore(db, TABLE);
  for (const [i, zone] of ZONES.entries())
    if (zone) await settings.save(accounts[i]!, { ...DEFAULT_SETTINGS, timeZone: zone }, 0, new Date().toISOString());

  // The handler reads its environment once, at its cold start: set it first, as Lambda does.
  // Its log line (Powertools, straight to stdout) stays out of the table unless a run fails.
  Object.assign(process.env, {
    TABLE_NAME: TABLE,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: REGION,
    PUBLIC_BASE_URL: 'http://bench.local',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  const { handler } = await import('../functions/jobs/overdue.handler.js');

  // Warm-up on an empty index: the handler's cold start, SDK sockets, DynamoDB Local's JIT.
  await handler({});

  const rows: Row[] = [];
  const problems: string[] = [];
  let total = 0;
  for (const size of sizes) {
    const tSeed = performance.now();
    const specs = planSeed({ total: size - total, pastDue, accounts, now: new Date() });
    const invoices = await bulkSeedInvoices(db, TABLE, specs);
    total = size;
    const due = invoices.filter((inv, i) => specs[i]!.kind === 'pastDue');
    console.log(
      `${size} invoices in the table (${invoices.length} added, ${due.length} of them past due), seeded in ${seconds(tSeed)}`,
    );

    const t0 = performance.now();
    const first = await handler({});
    const ms = performance.now() - t0;
    const t1 = performance.now();
    const again = await handler({});
    const againMs = performance.now() - t1;
    rows.push({
      total: size,
      pastDue,
      itemsRead: first.itemsRead,
      flagged: first.flagged,
      ms,
      againRead: again.itemsRead,
      againMs,
    });

    if (first.flagged !== pastDue) problems.push(`at ${size}: flagged ${first.flagged}, expected ${pastDue}`);
    if (first.failed || again.failed) problems.push(`at ${size}: ${first.failed + again.failed} failures`);
    if (again.flagged !== 0) problems.push(`at ${size}: the second run flagged ${again.flagged}`);
    const stored = await readItems(db, TABLE, due);
    const unflagged = due.filter(
      (inv) => stored.get(inv.id)?.pastDue !== true || stored.get(inv.id)?.version !== inv.version + 1,
    );
    if (unflagged.length) problems.push(`at ${size}: ${unflagged.length} past-due invoices not flagged exactly once`);
  }

  console.log(`\nItems the job read against invoices past due (the floor: each must be read once)`);
  const head = [
    'invoices',
    'past due',
    'items read',
    'flagged',
    'ratio read/past-due',
    'run ms',
    'second run: read',
    'second run ms',
  ];
  const cells = rows.map((r) => [
    String(r.total),
    String(r.pastDue),
    String(r.itemsRead),
    String(r.flagged),
    fmt(r.itemsRead / r.pastDue, 2),
    fmt(r.ms, 0),
    String(r.againRead),
    fmt(r.againMs, 0),
  ]);
  printTable(head, cells);
  const [small, large] = [rows[0]!, rows.at(-1)!];
  console.log(
    `  table ×${fmt(large.total / small.total, 0)}: items read ×${fmt(large.itemsRead / small.itemsRead, 2)}, run time ×${fmt(large.ms / small.ms, 2)} ` +
      `(a Scan would read every item: ${large.total}+ invoices and their slug guards)`,
  );
  return verdict(
    problems,
    `correctness: each size's ${pastDue} past-due invoices flagged exactly once (version +1), second runs flagged nothing`,
    tStart,
  );
}

await runBench(main);
