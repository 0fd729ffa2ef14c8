import { randomBytes, randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { inject } from 'vitest';
import type { Actor } from '../../../domain/auth/actor.js';
import type { Company, Contact } from '../../../domain/crm/records.js';
import { createInvoice, type InvoiceDeps } from '../../../domain/invoices/invoice-use-cases.js';
import { invoiceEditInput } from '../../../domain/invoices/invoice-input.js';
import { updateSettings } from '../../../domain/settings/settings-use-cases.js';
import { documentClient } from '../../../functions/dynamodb/client.js';
import { DynamoInvoiceStore } from '../../../functions/dynamodb/invoice-store.js';
import { keys } from '../../../functions/dynamodb/keys.js';
import { DynamoLedgerStore } from '../../../functions/dynamodb/ledger-store.js';
import { DynamoRecordStore } from '../../../functions/dynamodb/record-store.js';
import { DynamoSettingsStore } from '../../../functions/dynamodb/settings-store.js';
import { dropTable, ensureTable } from '../../../infra/local/dynamodb-local.js';

/*
 * Settings each process caches, and numbers from a counter each process increments. Two "processes"
 * here are two sets of stores with their own clients and their own caches, as two Lambda instances
 * have: nothing in memory is shared, only the table.
 */

const tableName = `numset_${randomUUID().slice(0, 8)}`;
const endpoint = inject('dynamodbEndpoint');
const newClient = () => documentClient({ tableName, endpoint, region: 'us-east-1' });

beforeAll(() => ensureTable(endpoint, tableName, { stream: false }));
afterAll(() => dropTable(endpoint, tableName));

let seq = 0;
function processDeps(): InvoiceDeps & { db: ReturnType<typeof newClient> } {
  const db = newClient();
  const invoices = new DynamoInvoiceStore(db, tableName);
  return {
    db,
    invoices,
    settings: new DynamoSettingsStore(db, tableName),
    contacts: new DynamoRecordStore<Contact>(db, tableName, 'contact'),
    companies: new DynamoRecordStore<Company>(db, tableName, 'company'),
    ledger: new DynamoLedgerStore(db, tableName, invoices),
    clock: { now: () => new Date() },
    ids: {
      id: (prefix) => `${prefix}_${Date.now().toString(36)}${(seq++).toString(36).padStart(6, '0')}`,
      slug: () => randomBytes(16).toString('hex'),
    },
  };
}

const actorOf = (accountId: string): Actor => ({
  userId: 'usr_1',
  accountId,
  superAdmin: true,
  permissions: [],
});
const newAccount = () => `acc_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const input = invoiceEditInput.parse({ lineItems: [{ name: 'Work', unitPrice: 1_000 }] });
const create = (deps: InvoiceDeps, actor: Actor) => createInvoice(deps, actor, input);

/** Counts each store's DynamoDB requests by command, to see what a create costs. */
function countRequests(db: ReturnType<typeof newClient>) {
  const counts = new Map<string, number>();
  db.middlewareStack.add(
    (next, context) => async (args) => {
      counts.set(context.commandName!, (counts.get(context.commandName!) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'testRequestCounter' },
  );
  return counts;
}

test('a prefix change in one process applies at once to creates in another that cached the settings before', async () => {
  const accountId = newAccount();
  const actor = actorOf(accountId);
  const a = processDeps();
  const b = processDeps();
  // Both processes have numbered from the account, so both hold its settings.
  expect((await create(a, actor)).number).toBe('INV-1001');
  expect((await create(b, actor)).number).toBe('INV-1002');
  const counts = countRequests(a.db);
  expect((await create(a, actor)).number).toBe('INV-1003');
  // From the cache: no settings read.
  expect(counts.get('GetItemCommand') ?? 0).toBe(0);

  await updateSettings(b, actor, { prefix: 'NEW', startNumber: 7000, currency: 'EUR' });
  // Acknowledged: process A, which cached the old settings, numbers from the new ones, and the
  // draft takes the new currency too (every field of the settings, not just the numbering ones).
  const [fromA, fromB] = await Promise.all([create(a, actor), create(b, actor)]);
  expect([fromA.number, fromB.number].sort()).toEqual(['NEW-7000', 'NEW-7001']);
  expect([fromA.currency, fromB.currency]).toEqual(['EUR', 'EUR']);

  // And a mode change: onFinalize drafts take no number, in either process.
  await updateSettings(a, actor, { numbering: 'onFinalize' });
  const [c, d] = await Promise.all([create(a, actor), create(b, actor)]);
  expect([c.number, d.number]).toEqual([null, null]);
  // Back to INV: its series continues, from the start number set meanwhile (7000 > its 1004).
  await updateSettings(b, actor, { numbering: 'onCreate', prefix: 'INV' });
  expect((await create(a, actor)).number).toBe('INV-7000');
});

test('settings changed and creates racing from two processes: every create numbers from settings at least as new as the last save it followed', async () => {
  const accountId = newAccount();
  const actor = actorOf(accountId);
  const a = processDeps();
  const b = processDeps();
  await create(a, actor);
  await create(b, actor);
  const prefixes = ['P1', 'P2', 'P3', 'P4', 'P5'];
  for (const prefix of prefixes) {
    // The save is acknowledged, then both processes create at once, each twice.
    await updateSettings(prefix.endsWith('2') || prefix.endsWith('4') ? a : b, actor, { prefix });
    const made = await Promise.all([create(a, actor), create(b, actor), create(a, actor), create(b, actor)]);
    expect(made.map((i) => i.number!.split('-')[0])).toEqual([prefix, prefix, prefix, prefix]);
    expect(new Set(made.map((i) => i.number)).size).toBe(4);
  }
});

test('concurrent creates from 8 processes: no number twice, each with its guard, no gap when none fails', async () => {
  const accountId = newAccount();
  const actor = actorOf(accountId);
  const processes = Array.from({ length: 8 }, () => processDeps());
  const made = await Promise.all(processes.flatMap((p) => Array.from({ length: 6 }, () => create(p, actor))));
  const numbers = made.map((i) => Number(i.number!.slice(4))).sort((x, y) => x - y);
  expect(numbers).toEqual(Array.from({ length: 48 }, (_, i) => 1001 + i));
  const db = newClient();
  for (const inv of made) {
    const { Item } = await db.send(
      new GetCommand({ TableName: tableName, Key: keys.invoiceNumber(accountId, inv.number!), ConsistentRead: true }),
    );
    expect(Item?.invoiceId).toBe(inv.id);
  }
  // A number's guard already there (written by some other path) is never overwritten: the create takes the next.
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.invoiceNumber(accountId, 'INV-1049'), entity: 'invoiceNumber', invoiceId: 'inv_elsewhere' },
    }),
  );
  expect((await create(processes[0]!, actor)).number).toBe('INV-1050');
});

test('counters written before settings versions were stamped on them: a process reads the settings, and its first increment stamps the counter', async () => {
  const accountId = newAccount();
  const actor = actorOf(accountId);
  const db = newClient();
  // The old way: settings saved with a prefix, a counter with only `next`.
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...keys.settings(accountId),
        entity: 'settings',
        accountId,
        version: 3,
        updatedAt: '2026-01-01T00:00:00.000Z',
        prefix: 'OLD',
        startNumber: 1,
        numbering: 'onCreate',
      },
    }),
  );
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.invoiceCounter(accountId, 'OLD'), entity: 'counter', next: 41 },
    }),
  );
  const a = processDeps();
  expect((await create(a, actor)).number).toBe('OLD-41');
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.invoiceCounter(accountId, 'OLD') }));
  expect(Item).toMatchObject({ next: 42, settingsVersion: 3, prefix: 'OLD', startNumber: 1, numbering: 'onCreate' });

  // A process that cached the settings before the counter was stamped, then meets a save by another.
  const b = processDeps();
  expect((await create(b, actor)).number).toBe('OLD-42');
  await updateSettings(a, actor, { prefix: 'NEW' });
  expect((await create(b, actor)).number).toBe('NEW-1');
});

test('a start number raised past the counter takes effect in a process that cached the old one', async () => {
  const accountId = newAccount();
  const actor = actorOf(accountId);
  const a = processDeps();
  const b = processDeps();
  expect((await create(a, actor)).number).toBe('INV-1001');
  expect((await create(a, actor)).number).toBe('INV-1002');
  await updateSettings(b, actor, { startNumber: 5000 });
  expect((await create(a, actor)).number).toBe('INV-5000');
  expect((await create(a, actor)).number).toBe('INV-5001');
  // Lowering it again below what was issued is refused, as before.
  await expect(updateSettings(b, actor, { startNumber: 4000 })).rejects.toMatchObject({ code: 'validation' });
  // A counter moved back (by hand) below the start number is moved up to it by the next create,
  // and the guards of the numbers already issued hold: it takes the first free one.
  await newClient().send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.invoiceCounter(accountId, 'INV'),
      UpdateExpression: 'SET #next = :n',
      ExpressionAttributeNames: { '#next': 'next' },
      ExpressionAttributeValues: { ':n': 10 },
    }),
  );
  expect((await create(b, actor)).number).toBe('INV-5002');
});
