/**
 * What the recurring invoice job reads, against what is due, as the schedules grow: at 1,000 and
 * then 20,000 schedules, each time with 50 due, the job (its real Lambda handler, against an
 * in-memory DynamoDB Local started here) should read 50 index items: the floor, since each due
 * schedule has to be looked at once. The ratio items-read / due is printed beside it and should
 * be 1.00 at both sizes (flat); the run time beside that (it includes issuing 50 invoices, each
 * a numbered transaction). A second run at each size has nothing due and should read nothing.
 *
 * The table grows in place: the second size adds 19,000 schedules (50 of them due) to the first
 * 1,000, whose 50 have moved on to next month by then. Schedules are items the store itself makes
 * (loaded with BatchWriteItem): active ones due later, paused and ended ones (outside the index),
 * in several accounts across time zones from UTC-10 to UTC+14.
 *
 * Env: BENCH_DUE (default 50), BENCH_SIZES (default "1000,20000").
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Contact } from '../domain/crm/records.js';
import { addDays, todayIn } from '../domain/dates/calendar.js';
import type { RecurringInvoice } from '../domain/recurring/recurring-invoice.js';
import { DEFAULT_SETTINGS } from '../domain/settings/settings.js';
import { documentClient } from '../functions/dynamodb/client.js';
import { DynamoInvoiceStore } from '../functions/dynamodb/invoice-store.js';
import { DynamoRecordStore } from '../functions/dynamodb/record-store.js';
import { DynamoRecurringStore } from '../functions/dynamodb/recurring-store.js';
import { DynamoSettingsStore } from '../functions/dynamodb/settings-store.js';
import { ulidIds } from '../functions/wiring.js';
import { ensureTable, startDynamoLocal } from '../infra/local/dynamodb-local.js';
import { freePort } from '../infra/local/free-port.js';
import { batchWrite, CapturingClient } from '../test/support/overdue-seed.js';
import { fmt, printTable, seconds, verdict } from './support/report.js';
import { BenchFailure, runBench, type RunningDynamo } from './support/bench-runner.js';

const TABLE = 'bench_recurring';
const REGION = 'us-east-1';
const ZONES = ['America/New_York', 'Europe/Amsterdam', 'Asia/Tokyo', 'Pacific/Kiritimati', 'Pacific/Honolulu'] as const;

type Row = {
  total: number;
  due: number;
  itemsRead: number;
  issued: number;
  ms: number;
  againRead: number;
  againMs: number;
};

type Account = { accountId: string; zone: string; contactId: string };

/** A schedule as the use case would store it; `kind` decides whether (and when) it is due. */
function schedule(a: Account, kind: 'due' | 'later' | 'paused' | 'ended', i: number, now: Date): RecurringInvoice {
  const at = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const today = todayIn(a.zone, now);
  // Due: its run date was yesterday in its own zone. Later: one to 300 days ahead.
  const startDate = kind === 'due' ? addDays(today, -1) : addDays(today, 1 + (i % 300));
  const active = kind === 'due' || kind === 'later';
  return {
    id: ulidIds.id('rec'),
    accountId: a.accountId,
    version: 1,
    createdAt: at,
    updatedAt: at,
    name: `Schedule ${i}`,
    status: active ? 'active' : kind,
    invoice: { contacts: [a.contactId], lineItems: [{ name: 'Retainer', unitPrice: 10_000, quantity: 1 }] },
    schedule: { interval: 'month', every: 1, startDate, endDate: null, count: null },
    autoFinalize: true,
    autoSend: false,
    owner: 'usr_bench',
    nextRunIndex: 0,
    nextRunOn: kind === 'ended' ? null : startDate,
    issuedCount: 0,
    lastRunOn: null,
    lastRunIndex: null,
    lastInvoiceId: null,
    skippedRuns: [],
    lastError: null,
    pausedAt: kind === 'paused' ? at : null,
    endedAt: kind === 'ended' ? at : null,
  };
}

/** The items the store writes for these schedules, loaded in batches. */
async function bulkSeed(db: DynamoDBDocumentClient, schedules: RecurringInvoice[]) {
  const capture = new CapturingClient();
  const asClient = capture as unknown as DynamoDBDocumentClient;
  const store = new DynamoRecurringStore(asClient, TABLE, new DynamoInvoiceStore(asClient, TABLE));
  for (const s of schedules) await store.create(s);
  await batchWrite(db, TABLE, [...capture.items.values()], 8);
}

async function main(dynamo: RunningDynamo): Promise<boolean> {
  const dueCount = Number(process.env.BENCH_DUE ?? 50);
  const sizes = (process.env.BENCH_SIZES ?? '1000,20000').split(',').map(Number);
  if (!Number.isInteger(dueCount) || dueCount < 1) throw new BenchFailure('BENCH_DUE must be a positive whole number');
  if (!sizes.every((n, i) => Number.isInteger(n) && n >= dueCount && (i === 0 || n - sizes[i - 1]! >= dueCount)))
    throw new BenchFailure('BENCH_SIZES must grow, each step by at least BENCH_DUE');
  const tStart = performance.now();
  dynamo.current = await startDynamoLocal({ port: await freePort() });
  const endpoint = dynamo.current.endpoint;
  await ensureTable(endpoint, TABLE);
  console.log(`DynamoDB Local (in memory) on ${endpoint}, up in ${seconds(tStart)}; Node ${process.version}`);

  const db = documentClient({ tableName: TABLE, endpoint, region: REGION });
  const settings = new DynamoSettingsStore(db, TABLE);
  const contacts = new DynamoRecordStore<Contact>(db, TABLE, 'contact');
  const accounts: Account[] = [];
  for (const zone of ZONES) {
    const accountId = `acc_bench_${randomUUID().slice(0, 8)}`;
    const at = new Date().toISOString();
    await settings.save(accountId, { ...DEFAULT_SETTINGS, timeZone: zone }, 0, at);
    const contact = await contacts.create({
      id: ulidIds.id('con'),
      accountId,
      kind: 'contact',
      version: 1,
      createdAt: at,
      updatedAt: at,
      firstName: 'Ada',
      lastName: null,
      email: 'ada@example.com',
      address: null,
    });
    accounts.push({ accountId, zone, contactId: contact.id });
  }

  // The handler reads its environment once, at its cold start: set it first, as Lambda does.
  Object.assign(process.env, {
    TABLE_NAME: TABLE,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: REGION,
    PUBLIC_BASE_URL: 'http://bench.local',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  const { handler } = await import('../functions/jobs/recurring.handler.js');
  await handler({}); // warm-up on an empty index

  const rows: Row[] = [];
  const problems: string[] = [];
  let total = 0;
  for (const size of sizes) {
    const tSeed = performance.now();
    const now = new Date();
    const added = size - total;
    const made = Array.from({ length: added }, (_, i) => {
      const kind = i < dueCount ? 'due' : i % 10 === 0 ? 'paused' : i % 10 === 1 ? 'ended' : 'later';
      return schedule(accounts[i % accounts.length]!, kind, i, now);
    });
    await bulkSeed(db, made);
    total = size;
    console.log(
      `${size} schedules in the table (${added} added, ${dueCount} of them due), seeded in ${seconds(tSeed)}`,
    );

    const t0 = performance.now();
    const first = await handler({});
    const ms = performance.now() - t0;
    const t1 = performance.now();
    const again = await handler({});
    const againMs = performance.now() - t1;
    rows.push({
      total: size,
      due: dueCount,
      itemsRead: first.itemsRead,
      issued: first.issued,
      ms,
      againRead: again.itemsRead,
      againMs,
    });
    if (first.issued !== dueCount) problems.push(`at ${size}: issued ${first.issued}, expected ${dueCount}`);
    if (first.failed || again.failed || first.blocked) problems.push(`at ${size}: failures or blocked runs`);
    if (again.issued !== 0) problems.push(`at ${size}: the second run issued ${again.issued}`);
  }

  console.log(`\nItems the job read against schedules due (the floor: each must be read once)`);
  const head = [
    'schedules',
    'due',
    'items read',
    'issued',
    'ratio read/due',
    'run ms',
    'second run: read',
    'second run ms',
  ];
  const cells = rows.map((r) => [
    String(r.total),
    String(r.due),
    String(r.itemsRead),
    String(r.issued),
    fmt(r.itemsRead / r.due, 2),
    fmt(r.ms, 0),
    String(r.againRead),
    fmt(r.againMs, 0),
  ]);
  printTable(head, cells);
  const [small, large] = [rows[0]!, rows.at(-1)!];
  console.log(
    `  schedules ×${fmt(large.total / small.total, 0)}: items read ×${fmt(large.itemsRead / small.itemsRead, 2)}, run time ×${fmt(large.ms / small.ms, 2)} ` +
      `(a Scan would read every item: ${large.total}+ schedules and everything else in the table)`,
  );
  return verdict(
    problems,
    `correctness: each size's ${dueCount} due schedules issued exactly one invoice, second runs issued nothing`,
    tStart,
  );
}

await runBench(main);
