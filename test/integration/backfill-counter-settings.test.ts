import { randomBytes, randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Actor } from '../../domain/auth/actor.js';
import type { Company, Contact } from '../../domain/crm/records.js';
import { invoiceEditInput } from '../../domain/invoices/invoice-input.js';
import { createInvoice, type InvoiceDeps } from '../../domain/invoices/invoice-use-cases.js';
import { runBackfill } from '../../functions/backfills/backfill-runner.js';
import { BACKFILLS } from '../../functions/backfills/backfills.js';
import { counterSettingsBackfill } from '../../functions/backfills/counter-settings.backfill.js';
import { documentClient } from '../../functions/dynamodb/client.js';
import { DynamoInvoiceStore } from '../../functions/dynamodb/invoice-store.js';
import { keys } from '../../functions/dynamodb/keys.js';
import { DynamoLedgerStore } from '../../functions/dynamodb/ledger-store.js';
import { DynamoRecordStore } from '../../functions/dynamodb/record-store.js';
import { DynamoSettingsStore } from '../../functions/dynamodb/settings-store.js';
import { dropTable, ensureTable } from '../../infra/local/dynamodb-local.js';

/**
 * Counters and settings written the old way (a counter with only `next`, settings without any
 * stamp on their counters), then the counter-settings backfill: stopped after a page it resumes,
 * run again it changes nothing, and afterwards a process holding cached settings numbers from the
 * stamped counter without reading the settings again.
 */
const endpoint = inject('dynamodbEndpoint');
const tableName = `backfill_${randomUUID().slice(0, 8)}`;
const db = documentClient({ tableName, endpoint, region: 'us-east-1' });
const ctx = { db, tableName };

beforeAll(() => ensureTable(endpoint, tableName, { stream: false }));
afterAll(() => dropTable(endpoint, tableName));

const newAccount = () => `acc_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const put = (Item: Record<string, unknown>) => db.send(new PutCommand({ TableName: tableName, Item }));
const oldSettings = (accountId: string, version: number, fields: Record<string, unknown>) =>
  put({
    ...keys.settings(accountId),
    entity: 'settings',
    accountId,
    version,
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...fields,
  });
const oldCounter = (accountId: string, prefix: string, next: number) =>
  put({ ...keys.invoiceCounter(accountId, prefix), entity: 'counter', next });
const counter = async (accountId: string, prefix: string) =>
  (
    await db.send(
      new GetCommand({ TableName: tableName, Key: keys.invoiceCounter(accountId, prefix), ConsistentRead: true }),
    )
  ).Item;

function processDeps(): InvoiceDeps & { requests: string[] } {
  const client = documentClient({ tableName, endpoint, region: 'us-east-1' });
  const requests: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      requests.push(context.commandName!);
      return next(args);
    },
    { step: 'initialize', name: 'testRequestLog' },
  );
  const invoices = new DynamoInvoiceStore(client, tableName);
  return {
    requests,
    invoices,
    settings: new DynamoSettingsStore(client, tableName),
    contacts: new DynamoRecordStore<Contact>(client, tableName, 'contact'),
    companies: new DynamoRecordStore<Company>(client, tableName, 'company'),
    ledger: new DynamoLedgerStore(client, tableName, invoices),
    clock: { now: () => new Date() },
    ids: { id: (p) => `${p}_${randomUUID().replace(/-/g, '')}`, slug: () => randomBytes(16).toString('hex') },
  };
}
const actorOf = (accountId: string): Actor => ({ userId: 'usr_1', accountId, superAdmin: true, permissions: [] });
const input = invoiceEditInput.parse({ lineItems: [{ name: 'Work', unitPrice: 1_000 }] });

test('is registered by name', () => {
  expect(BACKFILLS.map((b) => b.name)).toContain('counter-settings');
});

test('old counters get their settings stamped; stopped, it resumes; run again, it changes nothing', async () => {
  // A: settings saved at version 2 with prefix OLD; counters of OLD (current) and of INV (used before).
  const a = newAccount();
  await oldSettings(a, 2, { prefix: 'OLD', startNumber: 1, numbering: 'onCreate' });
  await oldCounter(a, 'OLD', 41);
  await oldCounter(a, 'INV', 1005);
  // B: never saved its settings (the defaults), numbered from INV.
  const b = newAccount();
  await oldCounter(b, 'INV', 1003);
  // C: gapless numbering.
  const c = newAccount();
  await oldSettings(c, 1, { prefix: 'GL', startNumber: 500, numbering: 'onFinalize' });
  await oldCounter(c, 'GL', 510);
  // Items that are not invoice counters stay as they are.
  await put({ ...keys.snippetCounter(a), entity: 'counter', count: 3 });

  // A process that read A's settings before the backfill (its cache holds version 2).
  const before = processDeps();
  await before.settings.get(a);

  const first = await runBackfill(ctx, counterSettingsBackfill, { pageSize: 2, shouldStop: (cp) => cp.pages >= 1 });
  expect(first.done).toBe(false);
  const rest = await runBackfill(ctx, counterSettingsBackfill, { pageSize: 2 });
  expect(rest.done).toBe(true);
  expect(rest.changed).toBe(4);
  expect((await runBackfill(ctx, counterSettingsBackfill, { restart: true })).changed).toBe(0);

  expect(await counter(a, 'OLD')).toMatchObject({
    next: 41,
    settingsVersion: 2,
    prefix: 'OLD',
    startNumber: 1,
    numbering: 'onCreate',
    current: true,
    accountId: a,
  });
  const replaced = await counter(a, 'INV');
  expect(replaced).toMatchObject({ next: 1005, settingsVersion: 2, prefix: 'INV', current: false });
  expect(replaced).not.toHaveProperty('startNumber');
  expect(await counter(b, 'INV')).toMatchObject({
    next: 1003,
    settingsVersion: 0,
    startNumber: 1001,
    numbering: 'onCreate',
    current: true,
  });
  expect(await counter(c, 'GL')).toMatchObject({ next: 510, settingsVersion: 1, numbering: 'onFinalize' });
  const snippets = (await db.send(new GetCommand({ TableName: tableName, Key: keys.snippetCounter(a) }))).Item;
  expect(snippets).not.toHaveProperty('settingsVersion');

  // The process with cached settings numbers from the stamped counter with no settings read.
  const made = await createInvoice(before, actorOf(a), input);
  expect(made.number).toBe('OLD-41');
  expect(before.requests.slice(1)).not.toContain('GetItemCommand');
  const fromB = await createInvoice(processDeps(), actorOf(b), input);
  expect(fromB.number).toBe('INV-1003');
});

test('before the backfill, the code is right too: a cached process falls back to reading the settings', async () => {
  const a = newAccount();
  await oldSettings(a, 4, { prefix: 'OLD', startNumber: 1, numbering: 'onCreate' });
  await oldCounter(a, 'OLD', 7);
  const p = processDeps();
  await p.settings.get(a);
  expect((await createInvoice(p, actorOf(a), input)).number).toBe('OLD-7');
  // The unstamped counter refused the cached settings; the settings were read again; that increment stamped it.
  expect(p.requests.filter((r) => r === 'GetItemCommand').length).toBeGreaterThanOrEqual(2);
  expect(await counter(a, 'OLD')).toMatchObject({ next: 8, settingsVersion: 4, prefix: 'OLD' });
  // Stamped now: nothing left for the backfill on this account's counter.
  const n = p.requests.length;
  expect((await createInvoice(p, actorOf(a), input)).number).toBe('OLD-8');
  expect(p.requests.slice(n)).not.toContain('GetItemCommand');
});
