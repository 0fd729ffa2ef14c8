import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GENESIS, link } from '../../../domain/audit/chain.js';
import { documentClient } from '../../../functions/dynamodb/client.js';
import { collections, keys } from '../../../functions/dynamodb/keys.js';
import { DynamoInvoiceStore } from '../../../functions/dynamodb/invoice-store.js';
import { testChange } from '../../support/audit-change.js';
import { client, startStack, uniqueAccount, type Stack } from '../../support/local-stack.js';

let stack: Stack;
let db: ReturnType<typeof documentClient>;

beforeAll(async () => {
  stack = await startStack();
  db = documentClient({ tableName: stack.tableName, endpoint: stack.endpoint, region: 'us-east-1' });
});
afterAll(() => stack.close());

type ChainEntry = {
  sequence: number;
  entryType: string;
  documentId: string;
  number: string | null;
  sha256: string;
  previous: string;
  chain: string;
};

/** An account with a contact, and a helper to issue invoices in it. */
async function account(settings?: object) {
  const accountId = uniqueAccount();
  const api = client(stack.baseUrl, await stack.token(accountId));
  if (settings) expect((await api('PUT', '/settings/invoices', settings)).status).toBe(200);
  const contactId = (await api('POST', '/contacts', { firstName: 'Ada', email: 'ada@example.com' })).body.id;
  const draft = async () =>
    (
      await api('POST', '/invoices', {
        contacts: [contactId],
        lineItems: [
          { name: 'Work', quantity: 2, unitPrice: 1500 },
          { name: 'Travel', unitPrice: 700 },
        ],
      })
    ).body;
  const issue = async () => {
    const d = await draft();
    const res = await api('POST', `/invoices/${d.id}/finalize`);
    expect(res.status).toBe(200);
    return res.body;
  };
  return { accountId, api, draft, issue };
}

async function chainOf(api: ReturnType<typeof client>, limit = 3): Promise<ChainEntry[]> {
  const out: ChainEntry[] = [];
  let after: string | undefined;
  do {
    const res = await api('GET', `/audit/chain?limit=${limit}${after ? `&after=${after}` : ''}`);
    expect(res.status).toBe(200);
    out.push(...res.body.results);
    after = res.body.paging.next?.after;
  } while (after);
  return out;
}

const verify = async (api: ReturnType<typeof client>) => {
  const res = await api('GET', '/audit/verify');
  expect(res.status).toBe(200);
  return res.body as { ok: boolean; checked: number; firstBreak: unknown };
};

/** A store with its own client: another Lambda instance, sharing nothing in process with the API server. */
const otherProcess = () =>
  new DynamoInvoiceStore(
    documentClient({ tableName: stack.tableName, endpoint: stack.endpoint, region: 'us-east-1' }),
    stack.tableName,
  );

/** Finalizes a draft straight through `store`, as the finalize use case writes it. */
async function finalizeThrough(store: DynamoInvoiceStore, accountId: string, id: string) {
  const current = (await store.get(accountId, id))!;
  const at = new Date().toISOString();
  await store.replace(
    current,
    { ...current, status: 'open', finalizedAt: at, version: current.version + 1, updatedAt: at },
    testChange('finalized', at),
  );
}

describe('the chain', () => {
  test('each issued invoice and credit note takes the next sequence, linked to the one before', async () => {
    const a = await account();
    const first = await a.issue();
    const second = await a.issue();
    const cn = await a.api('POST', `/invoices/${second.id}/credit-notes`, { amount: 500, reason: 'Goodwill' });
    expect(cn.status).toBe(201);
    const third = await a.issue();
    await a.draft(); // drafts are not issued documents

    const chain = await chainOf(a.api, 2);
    expect(chain.map((e) => [e.sequence, e.entryType, e.documentId, e.number])).toEqual([
      [1, 'invoice', first.id, first.number],
      [2, 'invoice', second.id, second.number],
      [3, 'creditNote', cn.body.id, cn.body.number],
      [4, 'invoice', third.id, third.number],
    ]);
    let previous = GENESIS;
    for (const e of chain) {
      expect(e.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(e.previous).toBe(previous);
      expect(e.chain).toBe(link(previous, e.sha256));
      previous = e.chain;
    }
    expect(await verify(a.api)).toEqual({ ok: true, checked: 4, firstBreak: null });
  });

  test('stays verifiable through what may change after issue: payments, mark-paid, void', async () => {
    const a = await account({ allowPartialPayments: true });
    const paid = await a.issue();
    const voided = await a.issue();
    const partly = await a.issue();
    expect((await a.api('POST', `/invoices/${paid.id}/mark-paid`, {})).status).toBe(200);
    expect((await a.api('POST', `/invoices/${voided.id}/void`)).status).toBe(200);
    const payment = { amount: 100, paidAt: '2026-01-15', method: 'card' };
    expect((await a.api('POST', `/invoices/${partly.id}/payments`, payment)).status).toBe(201);
    expect(await verify(a.api)).toEqual({ ok: true, checked: 3, firstBreak: null });
  });

  test('onFinalize numbering: the number handed out in the write is the one hashed', async () => {
    const a = await account({ numbering: 'onFinalize', prefix: 'FIN', startNumber: 1 });
    const inv = await a.issue();
    expect(inv.number).toBe('FIN-1');
    const [entry] = await chainOf(a.api);
    expect(entry!.number).toBe('FIN-1');
    expect((await verify(a.api)).ok).toBe(true);
  });

  test('an empty chain verifies, with nothing checked', async () => {
    const a = await account();
    expect(await chainOf(a.api)).toEqual([]);
    expect(await verify(a.api)).toEqual({ ok: true, checked: 0, firstBreak: null });
  });

  test('concurrent finalizes across one account give a gapless chain, one entry per document', async () => {
    const a = await account({ numbering: 'onFinalize' });
    const drafts = await Promise.all(Array.from({ length: 24 }, () => a.draft()));
    const results = await Promise.all(drafts.map((d) => a.api('POST', `/invoices/${d.id}/finalize`)));
    expect(results.map((r) => r.status)).toEqual(drafts.map(() => 200));
    // A second round of the same finalizes: all refused, none adds a link.
    const again = await Promise.all(drafts.slice(0, 6).map((d) => a.api('POST', `/invoices/${d.id}/finalize`)));
    expect(again.map((r) => r.status)).toEqual(again.map(() => 409));
    const chain = await chainOf(a.api, 100);
    expect(chain.map((e) => e.sequence)).toEqual(drafts.map((_, i) => i + 1));
    expect(new Set(chain.map((e) => e.documentId))).toEqual(new Set(drafts.map((d) => d.id)));
    expect(await verify(a.api)).toEqual({ ok: true, checked: 24, firstBreak: null });
  });
});

test('four processes finalizing in one account: only the conditional writes keep the chain gapless', async () => {
  // Separate stores with their own clients stand for separate Lambda instances: the in-process
  // queue does not serialize them, so the entries' conditional puts alone settle each race.
  const a = await account();
  const drafts = await Promise.all(Array.from({ length: 20 }, () => a.draft()));
  const stores = [1, 2, 3, 4].map(otherProcess);
  await Promise.all(drafts.map((d, i) => finalizeThrough(stores[i % 4]!, a.accountId, d.id)));
  const chain = await chainOf(a.api, 100);
  expect(chain.map((e) => e.sequence)).toEqual(drafts.map((_, i) => i + 1));
  expect(new Set(chain.map((e) => e.documentId)).size).toBe(20);
  expect(await verify(a.api)).toEqual({ ok: true, checked: 20, firstBreak: null });
});

describe('tampering is found, and named', () => {
  test("a line's amount changed in the table", async () => {
    const a = await account();
    await a.issue();
    const target = await a.issue();
    await a.issue();
    await db.send(
      new UpdateCommand({
        TableName: stack.tableName,
        Key: keys.invoice(a.accountId, target.id),
        UpdateExpression: 'SET lineItems[0].amount = :v',
        ExpressionAttributeValues: { ':v': 1 },
      }),
    );
    expect(await verify(a.api)).toEqual({
      ok: false,
      checked: 1,
      firstBreak: { sequence: 2, documentId: target.id, reason: 'document' },
    });
  });

  test("an invoice's number changed in the table", async () => {
    const a = await account();
    const target = await a.issue();
    await a.issue();
    await db.send(
      new UpdateCommand({
        TableName: stack.tableName,
        Key: keys.invoice(a.accountId, target.id),
        UpdateExpression: 'SET #n = :v',
        ExpressionAttributeNames: { '#n': 'number' },
        ExpressionAttributeValues: { ':v': 'INV-9999' },
      }),
    );
    expect(await verify(a.api)).toEqual({
      ok: false,
      checked: 0,
      firstBreak: { sequence: 1, documentId: target.id, reason: 'document' },
    });
  });

  test('a chain entry deleted, in the middle or at the end', async () => {
    const middle = await account();
    for (let i = 0; i < 4; i++) await middle.issue();
    await db.send(new DeleteCommand({ TableName: stack.tableName, Key: keys.chainEntry(middle.accountId, 3) }));
    expect(await verify(middle.api)).toEqual({
      ok: false,
      checked: 2,
      firstBreak: { sequence: 3, documentId: null, reason: 'missing' },
    });

    const end = await account();
    for (let i = 0; i < 3; i++) await end.issue();
    await db.send(new DeleteCommand({ TableName: stack.tableName, Key: keys.chainEntry(end.accountId, 3) }));
    expect(await verify(end.api)).toEqual({
      ok: false,
      checked: 2,
      firstBreak: { sequence: 3, documentId: null, reason: 'missing' },
    });
  });

  test('the last entry deleted, then another document issued: the gap stays, nothing takes its sequence again', async () => {
    // No counter is written with the chain: the history entry of each issuing write witnesses its
    // link (chain-end.ts), so the next writer links after the deleted entry instead of re-taking it.
    const a = await account();
    for (let i = 0; i < 3; i++) await a.issue();
    await db.send(new DeleteCommand({ TableName: stack.tableName, Key: keys.chainEntry(a.accountId, 3) }));
    // A fresh process, which has not cached the chain's end.
    await finalizeThrough(otherProcess(), a.accountId, (await a.draft()).id);
    const chain = await chainOf(a.api, 100);
    expect(chain.map((e) => e.sequence)).toEqual([1, 2, 4]);
    expect(await verify(a.api)).toEqual({
      ok: false,
      checked: 2,
      firstBreak: { sequence: 3, documentId: null, reason: 'missing' },
    });
  });

  test('a chain stored before witnesses (a counter, no witnesses) verifies, keeps its end, and goes on', async () => {
    const a = await account();
    for (let i = 0; i < 3; i++) await a.issue();
    // Rewrite the account as the earlier code stored it: the chain's counter, history entries without witness.
    const chain = await chainOf(a.api, 100);
    const witnesses = await db.send(
      new QueryCommand({
        TableName: stack.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': collections.chainWitnesses(a.accountId) },
      }),
    );
    expect(witnesses.Items).toHaveLength(3);
    for (const w of witnesses.Items!)
      await db.send(
        new UpdateCommand({
          TableName: stack.tableName,
          Key: { pk: w.pk, sk: w.sk },
          UpdateExpression: 'REMOVE gsi1pk, gsi1sk, chainSequence, chainLink',
        }),
      );
    await db.send(
      new PutCommand({
        TableName: stack.tableName,
        Item: { ...keys.chainCounter(a.accountId), entity: 'chainCounter', next: 4, head: chain[2]!.chain },
      }),
    );
    expect(await verify(a.api)).toEqual({ ok: true, checked: 3, firstBreak: null });

    // The counter still knows the end: a deleted last entry is found, and not taken again.
    const saved = (await db.send(new GetCommand({ TableName: stack.tableName, Key: keys.chainEntry(a.accountId, 3) })))
      .Item!;
    await db.send(new DeleteCommand({ TableName: stack.tableName, Key: keys.chainEntry(a.accountId, 3) }));
    expect((await verify(a.api)).firstBreak).toEqual({ sequence: 3, documentId: null, reason: 'missing' });
    await db.send(
      new PutCommand({
        TableName: stack.tableName,
        Item: saved,
      }),
    );

    // And new documents link on after it.
    await a.issue();
    const after = await chainOf(a.api, 100);
    expect(after.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    expect(after[3]!.previous).toBe(saved.chain);
    expect(await verify(a.api)).toEqual({ ok: true, checked: 4, firstBreak: null });
  });

  test("an entry's hash rewritten to match an altered document breaks the link after it", async () => {
    const a = await account();
    const target = await a.issue();
    await a.issue();
    await db.send(
      new UpdateCommand({
        TableName: stack.tableName,
        Key: keys.chainEntry(a.accountId, 1),
        UpdateExpression: 'SET sha256 = :v',
        ExpressionAttributeValues: { ':v': 'f'.repeat(64) },
      }),
    );
    expect((await verify(a.api)).firstBreak).toEqual({ sequence: 1, documentId: target.id, reason: 'chain' });
  });

  test('an untouched account next to tampered ones verifies ok', async () => {
    const a = await account();
    for (let i = 0; i < 3; i++) await a.issue();
    expect(await verify(a.api)).toEqual({ ok: true, checked: 3, firstBreak: null });
  });
});

describe('reading', () => {
  test("the chain is the caller's account's only; a bad cursor is a 400", async () => {
    const a = await account();
    await a.issue();
    const b = await account();
    expect(await chainOf(b.api)).toEqual([]);
    expect((await a.api('GET', '/audit/chain?after=bm9wZQ')).status).toBe(400);
    expect((await a.api('GET', '/audit/chain?limit=0')).status).toBe(400);
  });
});
