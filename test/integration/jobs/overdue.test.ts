import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { flagPastDueInvoices } from '../../../domain/jobs/flag-past-due.js';
import type { Invoice } from '../../../domain/invoices/invoice.js';
import type { OverdueIndex } from '../../../domain/ports.js';
import { DEFAULT_SETTINGS } from '../../../domain/settings/settings.js';
import { documentClient } from '../../../functions/dynamodb/client.js';
import { DynamoInvoiceStore } from '../../../functions/dynamodb/invoice-store.js';
import { DynamoOverdueIndex } from '../../../functions/dynamodb/overdue-index.js';
import { DynamoSettingsStore } from '../../../functions/dynamodb/settings-store.js';
import { dropTable, ensureTable } from '../../../infra/local/dynamodb-local.js';
import { bulkSeedInvoices, planSeed, readItems, seedInvoices } from '../../support/overdue-seed.js';

const tableName = `overdue_${randomUUID().slice(0, 8)}`;
const endpoint = inject('dynamodbEndpoint');
const newClient = () => documentClient({ tableName, endpoint, region: 'us-east-1' });

/** Accounts in zones from UTC-10 to UTC+14; the first has no settings stored (the default zone). */
const ZONES = [null, 'Europe/Amsterdam', 'Asia/Tokyo', 'Pacific/Kiritimati', 'Pacific/Honolulu'] as const;
const run = randomUUID().slice(0, 6);
const accounts = ZONES.map((_, i) => `acc_${run}_${i}`);
const SEEDED = 400;

/** Every DynamoDB request a client sends, by command name, and the item count of each Query's answer. */
function recordRequests(db: DynamoDBDocumentClient) {
  const seen = { commands: [] as string[], queryCount: 0 };
  db.middlewareStack.add(
    (next, context) => async (args) => {
      seen.commands.push(context.commandName ?? '?');
      const out = await next(args);
      if (context.commandName === 'QueryCommand') seen.queryCount += (out.output as { Count?: number }).Count ?? 0;
      return out;
    },
    { step: 'initialize', name: 'recordRequests' },
  );
  return seen;
}

/**
 * Makes runs read the whole index before any of them flags: the worst interleaving of two
 * runs, where each has read every entry the other is about to flag.
 */
function readAllBeforeFlagging(indexes: OverdueIndex[]): OverdueIndex[] {
  let reading = indexes.length;
  let release!: () => void;
  const allRead = new Promise<void>((r) => (release = r));
  return indexes.map((index) => ({
    async *read(dueBefore: string) {
      const pages = [];
      for await (const page of index.read(dueBefore)) pages.push(page);
      if (--reading === 0) release();
      await allRead;
      yield* pages;
    },
    flag: (accountId: string, invoiceId: string, now: string) => index.flag(accountId, invoiceId, now),
  }));
}

const db = newClient();
let seeded: Invoice[] = [];
let pastDue: Invoice[] = [];

beforeAll(async () => {
  await ensureTable(endpoint, tableName, { stream: false });
  const settings = new DynamoSettingsStore(db, tableName);
  await Promise.all(
    ZONES.map((zone, i) =>
      zone
        ? settings.save(accounts[i]!, { ...DEFAULT_SETTINGS, timeZone: zone }, 0, new Date().toISOString())
        : Promise.resolve(),
    ),
  );
  const t0 = performance.now();
  // A few hundred invoices of every kind show the job reads only the past-due ones; that its reads
  // stay flat at 1,000 and 20,000 invoices is bench:overdue's to show, not a test's.
  seeded = await bulkSeedInvoices(db, tableName, planSeed({ total: SEEDED, pastDue: 50, accounts, now: new Date() }));
  console.log(
    `seeded ${seeded.length} invoices (items made by the store, loaded in batches) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  pastDue = seeded.filter(
    (i) => i.status === 'open' && !i.pastDue && i.dueDate! < new Date().toISOString().slice(0, 10),
  );
});

afterAll(() => dropTable(endpoint, tableName));

test('the scheduled handler reads the index entries of the 50 past-due invoices out of 400 and flags exactly them', async () => {
  expect(seeded).toHaveLength(SEEDED);
  expect(pastDue).toHaveLength(50);
  expect(new Set(seeded.map((i) => i.status))).toEqual(new Set(['draft', 'open', 'paid', 'voided']));

  Object.assign(process.env, {
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'us-east-1',
    PUBLIC_BASE_URL: 'http://job.test',
  });
  const { handler } = await import('../../../functions/jobs/overdue.handler.js');
  const before = new Date().toISOString();
  const counts = await handler({ scheduledTime: before });

  expect(counts).toEqual({ itemsRead: 50, flagged: 50, skipped: 0, failed: 0, accounts: ZONES.length });
  const items = await readItems(db, tableName, seeded);
  const due = new Set(pastDue.map((i) => i.id));
  for (const inv of seeded) {
    const item = items.get(inv.id)!;
    if (due.has(inv.id)) {
      expect(item).toMatchObject({ status: 'open', pastDue: true, version: inv.version + 1 });
      expect(String(item.updatedAt) >= before.replace(/\.\d{3}Z$/, 'Z')).toBe(true);
      expect(item).not.toHaveProperty('gsi2pk');
      expect(item).not.toHaveProperty('gsi2sk');
    } else {
      expect({ id: item.id, pastDue: item.pastDue, version: item.version, updatedAt: item.updatedAt }).toEqual({
        id: inv.id,
        pastDue: inv.pastDue,
        version: inv.version,
        updatedAt: inv.updatedAt,
      });
    }
  }
});

test('a second run reads nothing and changes nothing', async () => {
  const before = await readItems(db, tableName, seeded);
  const client = newClient();
  const seen = recordRequests(client);

  const result = await flagPastDueInvoices(
    { overdue: new DynamoOverdueIndex(client, tableName), settings: new DynamoSettingsStore(client, tableName) },
    new Date(),
  );

  expect(result).toMatchObject({ itemsRead: 0, flagged: 0, skipped: 0, failed: 0, accounts: 0 });
  // One Query per shard, nothing else: no Scan, no settings reads, no writes.
  expect(new Set(seen.commands)).toEqual(new Set(['QueryCommand']));
  expect(seen.queryCount).toBe(0);
  const after = await readItems(db, tableName, seeded);
  for (const [id, item] of before) expect(after.get(id)).toEqual(item);
});

test('two runs at once (two Lambda instances) flag each past-due invoice once', async () => {
  // 50 more past-due invoices beside what the first run left, through the store's own writes.
  const more = await seedInvoices(
    new DynamoInvoiceStore(db, tableName),
    planSeed({ total: 50, pastDue: 50, accounts, now: new Date() }),
    16,
  );
  const clients = [newClient(), newClient()];
  const seen = clients.map(recordRequests);
  const indexes = readAllBeforeFlagging(clients.map((client) => new DynamoOverdueIndex(client, tableName)));
  const runs = clients.map((client, k) =>
    flagPastDueInvoices({ overdue: indexes[k]!, settings: new DynamoSettingsStore(client, tableName) }, new Date()),
  );

  const [a, b] = await Promise.all(runs);

  // Both read all 50; each invoice went to whichever run flagged it first, the other skipped it.
  expect([a!.itemsRead, b!.itemsRead]).toEqual([50, 50]);
  expect(a!.flagged + b!.flagged).toBe(50);
  expect(a!.skipped + b!.skipped).toBe(50);
  expect(a!.failed + b!.failed).toBe(0);
  seen.forEach((s, k) => {
    expect(s.commands).not.toContain('ScanCommand');
    expect(s.queryCount).toBe([a, b][k]!.itemsRead);
  });
  const items = await readItems(db, tableName, more);
  for (const inv of more) expect(items.get(inv.id)).toMatchObject({ pastDue: true, version: inv.version + 1 });
  // And the 50 flagged by the first test are untouched.
  const first = await readItems(db, tableName, pastDue);
  for (const inv of pastDue) expect(first.get(inv.id)).toMatchObject({ pastDue: true, version: inv.version + 1 });
});
