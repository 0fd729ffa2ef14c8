/**
 * What the payment reminders job reads, against the invoices that need a reminder, as the table
 * grows: at 1,000 and then 20,000 open invoices, each time with 50 of them needing a reminder, the
 * job (its real Lambda handler, against an in-memory DynamoDB Local started here) should read 50
 * index items: the floor, since each of those invoices has to be looked at once. The ratio
 * items-read / needing is printed beside it and should be 1.00 at both sizes, with the run time. A
 * second run at each size has nothing to send and should read nothing.
 *
 * Every invoice is open with a balance due and the default plan (-3, 0, 7, 14, 30 days), in
 * accounts with reminders on across zones from UTC-10 to UTC+14. The 50 are ten days past due (the
 * 7-day step has come in every zone); the others are due in ten or more days (no step has come in
 * any zone). Invoices are written as the invoice store writes them (test/support/overdue-seed.ts
 * `bulkCreateInvoices`), reminder index keys included; the reminders go to an outbox folder.
 *
 * Env: BENCH_NEEDING (default 50), BENCH_SIZES (default "1000,20000").
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Contact } from '../domain/crm/records.js';
import { addDays, toInstant } from '../domain/dates/calendar.js';
import { blankDraft, type Invoice } from '../domain/invoices/invoice.js';
import { DEFAULT_SETTINGS } from '../domain/settings/settings.js';
import { documentClient } from '../functions/dynamodb/client.js';
import { DynamoRecordStore } from '../functions/dynamodb/record-store.js';
import { DynamoSettingsStore } from '../functions/dynamodb/settings-store.js';
import { ensureTable, startDynamoLocal } from '../infra/local/dynamodb-local.js';
import { freePort } from '../infra/local/free-port.js';
import { fmt, printTable, seconds, verdict } from './support/report.js';
import { BenchFailure, runBench, type RunningDynamo } from './support/bench-runner.js';
import { bulkCreateInvoices } from '../test/support/overdue-seed.js';
import { SEARCH_INDEX } from '../functions/dynamodb/keys.js';

const TABLE = 'bench_reminders';
const REGION = 'us-east-1';
const ZONES = ['America/New_York', 'Europe/Amsterdam', 'Asia/Tokyo', 'Pacific/Kiritimati', 'Pacific/Honolulu'];
const PLAN = [-3, 0, 7, 14, 30];

const ID = () => randomUUID().replace(/-/g, '');

type Row = {
  total: number;
  needing: number;
  itemsRead: number;
  sent: number;
  ms: number;
  againRead: number;
  againMs: number;
};

function openInvoice(accountId: string, contactId: string, dueDate: string, at: string): Invoice {
  const draft = blankDraft({
    id: `inv_${ID()}`,
    accountId,
    owner: 'usr_bench',
    slug: ID(),
    settings: DEFAULT_SETTINGS,
    today: addDays(dueDate, -30),
    now: at,
  });
  return {
    ...draft,
    status: 'open',
    number: `INV-${draft.id.slice(4, 12)}`,
    finalizedAt: at,
    paymentTerms: 'custom',
    dueDate,
    contacts: [contactId],
    totals: { ...draft.totals, subtotal: 10_000, total: 10_000, balanceDue: 10_000 },
    reminderPlan: PLAN,
  };
}

async function main(dynamo: RunningDynamo): Promise<boolean> {
  const needing = Number(process.env.BENCH_NEEDING ?? 50);
  const sizes = (process.env.BENCH_SIZES ?? '1000,20000').split(',').map(Number);
  if (!Number.isInteger(needing) || needing < 1)
    throw new BenchFailure('BENCH_NEEDING must be a positive whole number');
  if (!sizes.every((n, i) => Number.isInteger(n) && n >= needing && (i === 0 || n - sizes[i - 1]! >= needing)))
    throw new BenchFailure('BENCH_SIZES must grow, each step by at least BENCH_NEEDING');
  const tStart = performance.now();
  dynamo.current = await startDynamoLocal({ port: await freePort() });
  const endpoint = dynamo.current.endpoint;
  await ensureTable(endpoint, TABLE);
  console.log(`DynamoDB Local (in memory) on ${endpoint}, up in ${seconds(tStart)}; Node ${process.version}`);

  const db = documentClient({ tableName: TABLE, endpoint, region: REGION });
  const now = new Date();
  const at = toInstant(now);
  const today = at.slice(0, 10);
  const settings = new DynamoSettingsStore(db, TABLE);
  const contacts = new DynamoRecordStore<Contact>(db, TABLE, 'contact');
  const accounts: { accountId: string; contactId: string }[] = [];
  for (const [i, zone] of ZONES.entries()) {
    const accountId = `acc_bench_${i}_${randomUUID().slice(0, 6)}`;
    await settings.save(
      accountId,
      { ...DEFAULT_SETTINGS, timeZone: zone, reminders: { ...DEFAULT_SETTINGS.reminders, enabled: true } },
      0,
      at,
    );
    const contactId = `con_${ID()}`;
    await contacts.create({
      accountId,
      id: contactId,
      kind: 'contact',
      version: 1,
      createdAt: at,
      updatedAt: at,
      firstName: 'Ada',
      lastName: 'Bench',
      email: 'ada@example.com',
      address: null,
    } as Contact);
    accounts.push({ accountId, contactId });
  }

  const outbox = mkdtempSync(join(tmpdir(), 'bench-reminders-'));
  Object.assign(process.env, {
    TABLE_NAME: TABLE,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: REGION,
    PUBLIC_BASE_URL: 'http://bench.local',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    OUTBOX_DIR: outbox,
  });
  const { handler } = await import('../functions/jobs/reminders.handler.js');
  await handler({}); // warm-up on an empty index

  // The job reads the reminders index and items by key: the search indexes' keys are left out of
  // the seed to spare DynamoDB Local four index writes an item.
  const searchKeys = new Set(Object.values(SEARCH_INDEX).flatMap((g) => [`${g}pk`, `${g}sk`]));
  const rows: Row[] = [];
  const problems: string[] = [];
  let total = 0;
  for (const size of sizes) {
    const tSeed = performance.now();
    const add = size - total;
    const invoices = Array.from({ length: add }, (_, i) => {
      const a = accounts[i % accounts.length]!;
      // Ten days past due: the 7-day step has come everywhere. Or due in 10+ days: no step anywhere.
      const due = i < needing ? addDays(today, -10) : addDays(today, 10 + (i % 60));
      return openInvoice(a.accountId, a.contactId, due, at);
    });
    await bulkCreateInvoices(db, TABLE, invoices, 8, (item) => {
      for (const k of searchKeys) delete item[k];
      return true;
    });
    total = size;
    console.log(
      `${size} open invoices in the table (${add} added, ${needing} needing a reminder), seeded in ${seconds(tSeed)}`,
    );
    const mailsBefore = readdirSync(outbox).length;
    const t0 = performance.now();
    const first = await handler({});
    const ms = performance.now() - t0;
    const t1 = performance.now();
    const again = await handler({});
    const againMs = performance.now() - t1;
    rows.push({
      total: size,
      needing,
      itemsRead: first.itemsRead,
      sent: first.sent,
      ms,
      againRead: again.itemsRead,
      againMs,
    });
    if (first.sent !== needing) problems.push(`at ${size}: sent ${first.sent}, expected ${needing}`);
    if (readdirSync(outbox).length - mailsBefore !== needing)
      problems.push(
        `at ${size}: ${readdirSync(outbox).length - mailsBefore} emails in the outbox, expected ${needing}`,
      );
    if (first.failed || again.failed) problems.push(`at ${size}: ${first.failed + again.failed} failures`);
    if (again.sent !== 0) problems.push(`at ${size}: the second run sent ${again.sent}`);
  }
  rmSync(outbox, { recursive: true, force: true });

  console.log(`\nItems the job read against invoices needing a reminder (the floor: each must be read once)`);
  const head = [
    'open invoices',
    'needing',
    'items read',
    'sent',
    'ratio read/needing',
    'run ms',
    'second run: read',
    'second run ms',
  ];
  const cells = rows.map((r) => [
    String(r.total),
    String(r.needing),
    String(r.itemsRead),
    String(r.sent),
    fmt(r.itemsRead / r.needing, 2),
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
    `correctness: each size's ${needing} invoices reminded exactly once (one email each), second runs sent nothing`,
    tStart,
  );
}

await runBench(main);
