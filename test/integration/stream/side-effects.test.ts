import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { InvoiceEvent } from '../../../domain/events/invoice-events.js';
import { appendDeadLetter } from '../../../infra/local/local-files.js';
import { localClient } from '../../../infra/local/dynamodb-local.js';
import { documentClient } from '../../../functions/dynamodb/client.js';
import { DynamoInvoiceStore } from '../../../functions/dynamodb/invoice-store.js';
import { HISTORY_SK, keys } from '../../../functions/dynamodb/keys.js';
import { startStreamPoller } from '../../../infra/local/stream-poller.js';
import { client, startStack, uniqueAccount, type Stack } from '../../support/local-stack.js';
import { parsePdf } from '../../support/pdf-text.js';
import { until } from '../../support/until.js';
import { SIDE_EFFECT_FILTERS } from '../../../infra/stream-filters.js';

const OUT = resolve(import.meta.dirname, '../../../test-output');
let stack: Stack;
let api: ReturnType<typeof client>;
let files: { events: string; outbox: string; deadLetters: string };
let poller: ReturnType<typeof startStreamPoller>;
let streamHandler: (e: DynamoDBStreamEvent) => Promise<unknown>;
let contactId: string;
let accountId: string;

beforeAll(async () => {
  stack = await startStack({ stream: true });
  const dir = mkdtempSync(join(OUT, 'stream-'));
  files = {
    events: join(dir, 'events.jsonl'),
    outbox: join(dir, 'outbox'),
    deadLetters: join(dir, 'dead-letters.jsonl'),
  };
  process.env.EVENTS_LOG = files.events;
  process.env.OUTBOX_DIR = files.outbox;
  streamHandler = (await import('../../../functions/stream/invoice-stream.handler.js')).handler;
  // The local event source mapping, with Lambda's retry and dead-letter behaviour, on real records.
  poller = startStreamPoller({
    filters: SIDE_EFFECT_FILTERS,
    endpoint: stack.endpoint,
    tableName: stack.tableName,
    handler: (event) => streamHandler(event) as never,
    maxRetries: 2,
    pollIntervalMs: 100,
    deadLetter: (record, error) => appendDeadLetter(files.deadLetters, record, error),
  });
  accountId = uniqueAccount();
  api = client(stack.baseUrl, await stack.token(accountId));
  contactId = (await api('POST', '/contacts', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' }))
    .body.id;
});
afterAll(async () => {
  await poller?.stop();
  await stack?.close();
});

const events = (): InvoiceEvent[] =>
  existsSync(files.events)
    ? readFileSync(files.events, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
const eventsOf = (invoiceId: string) =>
  events()
    .filter((e) => e.invoiceId === invoiceId)
    .map((e) => e.type);

async function pdfOf(id: string) {
  const link = await api('GET', `/invoices/${id}/pdf`);
  expect(link.status).toBe(200);
  const res = await fetch(link.body.url);
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

test('finalize → a PDF in S3 within seconds, ready on the invoice; paid → a new PDF with the PAID mark; events once each', async () => {
  const draft = (
    await api('POST', '/invoices', {
      contacts: [contactId],
      lineItems: [{ name: 'Consulting', quantity: 2, unitPrice: 61728 }],
    })
  ).body;
  const open = (await api('POST', `/invoices/${draft.id}/finalize`)).body;
  expect(open.pdf.status).toBe('pending');
  const ready = await until('the PDF', async () => {
    const inv = (await api('GET', `/invoices/${draft.id}`)).body;
    return inv.pdf.status === 'ready' && inv;
  });
  expect(ready.pdf.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(ready.version).toBe(open.version); // the ready mark is no edit
  const pdf = await pdfOf(draft.id);
  const { text } = await parsePdf(pdf);
  expect(text).toContain(open.number);
  expect(text).toContain('$1,234.56');
  expect(text).toContain('Ada Lovelace');

  await api('POST', `/invoices/${draft.id}/mark-paid`, {});
  const paid = await until('the paid PDF', async () => {
    const inv = (await api('GET', `/invoices/${draft.id}`)).body;
    return inv.status === 'paid' && inv.pdf.status === 'ready' && inv;
  });
  expect(paid.pdf.sha256).not.toBe(ready.pdf.sha256);
  expect((await parsePdf(await pdfOf(draft.id))).text).toMatch(/PAID/);
  await poller.drain();
  // mark-paid records a payment of the balance: its item's own record brings invoice.paymentRecorded
  // (the two records of one transaction come in either order).
  expect(eventsOf(draft.id).slice(0, 2)).toEqual(['invoice.created', 'invoice.finalized']);
  expect(eventsOf(draft.id).slice(2).sort()).toEqual(['invoice.paid', 'invoice.paymentRecorded']);
});

test('send emails each contact an RFC 5322 message with the link, records sentAt and invoice.sent', async () => {
  const second = (await api('POST', '/contacts', { firstName: 'Charles', email: 'charles@example.com' })).body.id;
  const noEmail = (await api('POST', '/contacts', { firstName: 'Nobody' })).body.id;
  const draft = (
    await api('POST', '/invoices', {
      contacts: [contactId, second, noEmail],
      lineItems: [{ name: 'A', unitPrice: 100 }],
    })
  ).body;
  expect((await api('POST', `/invoices/${draft.id}/send`)).status).toBe(409);
  await api('POST', `/invoices/${draft.id}/finalize`);
  const before = existsSync(files.outbox) ? readdirSync(files.outbox).length : 0;
  const sent = await api('POST', `/invoices/${draft.id}/send`);
  expect(sent.status).toBe(200);
  expect(sent.body.sentAt).toMatch(/Z$/);
  const messages = readdirSync(files.outbox)
    .sort()
    .slice(before)
    .map((f) => readFileSync(join(files.outbox, f), 'utf8'));
  expect(messages).toHaveLength(2);
  const toAda = messages.find((m) => /^To: ada@example.com/m.test(m))!;
  expect(toAda).toMatch(/^From: invoices@example.com/m);
  expect(toAda).toMatch(new RegExp(`^Subject: Invoice ${sent.body.number}`, 'm'));
  expect(toAda).toMatch(/^Message-ID: </m);
  expect(toAda).toContain(sent.body.url);
  await until('invoice.sent', async () => eventsOf(draft.id).includes('invoice.sent'));
  await api('POST', `/invoices/${draft.id}/void`);
  expect((await api('POST', `/invoices/${draft.id}/send`)).status).toBe(409);
});

/** Real records of this table's stream, read from the start, for replaying by hand. */
async function streamRecords(): Promise<DynamoDBRecord[]> {
  const table = localClient(stack.endpoint);
  const arn = (await table.send(new DescribeTableCommand({ TableName: stack.tableName }))).Table!.LatestStreamArn!;
  table.destroy();
  const streams = new DynamoDBStreamsClient({
    endpoint: stack.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
  const out: DynamoDBRecord[] = [];
  for (const shard of (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription!.Shards!) {
    let it = (
      await streams.send(
        new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
      )
    ).ShardIterator;
    while (it) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: it }));
      out.push(...((page.Records ?? []) as unknown as DynamoDBRecord[]));
      if (!page.Records?.length) break;
      it = page.NextShardIterator;
    }
  }
  streams.destroy();
  return out;
}

test('a duplicated batch renders once and publishes once', async () => {
  const draft = (
    await api('POST', '/invoices', { contacts: [contactId], lineItems: [{ name: 'Twice', unitPrice: 500 }] })
  ).body;
  await api('POST', `/invoices/${draft.id}/finalize`);
  const ready = await until('the PDF', async () => {
    const inv = (await api('GET', `/invoices/${draft.id}`)).body;
    return inv.pdf.status === 'ready' && inv;
  });
  await poller.drain();
  const eventsBefore = events().length;
  const mine = (await streamRecords()).filter((r) => JSON.stringify(r.dynamodb?.Keys).includes(draft.id));
  expect(mine.length).toBeGreaterThanOrEqual(2);
  // Replay the invoice's whole history twice more, as a retried batch would.
  for (let i = 0; i < 2; i++) expect(await streamHandler({ Records: mine })).toEqual({ batchItemFailures: [] });
  expect(events().length).toBe(eventsBefore);
  const after = (await api('GET', `/invoices/${draft.id}`)).body;
  expect(after.pdf).toEqual(ready.pdf); // same bytes: nothing was rendered again
  expect(after.version).toBe(ready.version);
});

test('a poisoned record goes to the dead-letter file after its retries; the rest of its batch succeeds', async () => {
  const db = (await import('../../../functions/wiring.js')).app().db;
  const keys = (await import('../../../functions/dynamodb/keys.js')).keys;
  const good = (
    await api('POST', '/invoices', { contacts: [contactId], lineItems: [{ name: 'Fine', unitPrice: 700 }] })
  ).body;
  // An invoice item no template can render (its line items are not a list), written straight to the table.
  const accountId = 'acc_poison';
  await db.send(
    new PutCommand({
      TableName: stack.tableName,
      Item: {
        ...keys.invoice(accountId, 'inv_POISON'),
        entity: 'invoice',
        id: 'inv_POISON',
        accountId,
        version: 2,
        status: 'open',
        contacts: [],
        lineItems: 'broken',
        pdf: { status: 'pending', sha256: null },
        totals: { total: 1 },
      },
    }),
  );
  await api('POST', `/invoices/${good.id}/finalize`);
  await until('the good PDF', async () => (await api('GET', `/invoices/${good.id}`)).body.pdf.status === 'ready');
  const dead = await until(
    'a dead letter',
    async () =>
      existsSync(files.deadLetters) &&
      readFileSync(files.deadLetters, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
  );
  expect(dead).toHaveLength(1);
  expect(JSON.stringify(dead[0].record.dynamodb.Keys)).toContain('inv_POISON');
  expect(dead[0].record.dynamodb.NewImage).toBeDefined(); // the whole record is kept: nothing lost
  // The ready mark comes before the event is published: wait for the event itself.
  await until('invoice.finalized', async () => eventsOf(good.id).includes('invoice.finalized'));
});

test('the past-due job flags an overdue invoice and the stream publishes invoice.pastDue once', async () => {
  const overdue = (
    await api('POST', '/invoices', {
      contacts: [contactId],
      invoiceDate: '2026-01-01',
      paymentTerms: 'net30',
      lineItems: [{ name: 'Late', unitPrice: 900 }],
    })
  ).body;
  await api('POST', `/invoices/${overdue.id}/finalize`);
  const { handler: job } = await import('../../../functions/jobs/overdue.handler.js');
  await job({});
  await job({});
  expect((await api('GET', `/invoices/${overdue.id}`)).body.pastDue).toBe(true);
  await until('invoice.pastDue', async () => eventsOf(overdue.id).includes('invoice.pastDue'));
  await poller.drain();
  expect(eventsOf(overdue.id).filter((t) => t === 'invoice.pastDue')).toHaveLength(1);
  const paid = await api('POST', `/invoices/${overdue.id}/mark-paid`, {});
  expect(paid.body.pastDue).toBe(false);
});

test("a draft deleted by a process that stopped before expiring its history: the stream's REMOVE record sets the expiry", async () => {
  const draft = (await api('POST', '/invoices', { contacts: [contactId], lineItems: [{ name: 'W', unitPrice: 100 }] }))
    .body;
  await api('PATCH', `/invoices/${draft.id}`, { poNumber: 'PO-1' });
  const db = documentClient({ tableName: stack.tableName, endpoint: stack.endpoint, region: 'us-east-1' });
  // The delete's transaction lands; the process dies before its second step (every update fails).
  const dying = new Proxy(db, {
    get: (target, prop, receiver) =>
      prop === 'send'
        ? (command: unknown) => {
            if (command instanceof UpdateCommand) return Promise.reject(new Error('the process stopped'));
            return target.send(command as never);
          }
        : Reflect.get(target, prop, receiver),
  });
  const store = new DynamoInvoiceStore(dying, stack.tableName);
  const stored = (await store.get(accountId, draft.id))!;
  await expect(
    store.remove(stored, { actor: { type: 'user', id: 'usr_test' }, action: 'deleted', at: new Date().toISOString() }),
  ).rejects.toThrow('the process stopped');
  const entries = async () =>
    (
      await db.send(
        new QueryCommand({
          TableName: stack.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': keys.invoice(accountId, draft.id).pk, ':p': HISTORY_SK },
        }),
      )
    ).Items ?? [];
  // The record's effects: the expiry first, then the event (so both are waited for).
  const all = await until('every entry expires with the deletion, and invoice.deleted', async () => {
    const items = await entries();
    return (
      items.length === 3 &&
      items.every((i) => i.expiresAt !== undefined) &&
      eventsOf(draft.id).includes('invoice.deleted') &&
      items
    );
  });
  expect(new Set(all.map((i) => i.expiresAt)).size).toBe(1);
});
