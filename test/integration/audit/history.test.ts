import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { documentClient } from '../../../functions/dynamodb/client.js';
import { HISTORY_SK, keys } from '../../../functions/dynamodb/keys.js';
import { DynamoOverdueIndex } from '../../../functions/dynamodb/overdue-index.js';
import { client, startStack, uniqueAccount, type Stack } from '../../support/local-stack.js';

let stack: Stack;
let accountId: string;
/** Two users of one account, so each entry's actor can be told apart. */
let alice: ReturnType<typeof client>;
let bob: ReturnType<typeof client>;
let contactId: string;
let companyId: string;

beforeAll(async () => {
  stack = await startStack();
  accountId = uniqueAccount();
  alice = client(stack.baseUrl, await stack.token(accountId, { sub: 'usr_alice' }));
  bob = client(stack.baseUrl, await stack.token(accountId, { sub: 'usr_bob' }));
  contactId = (await alice('POST', '/contacts', { firstName: 'Ada', email: 'ada@example.com' })).body.id;
  companyId = (await alice('POST', '/companies', { name: 'Engines' })).body.id;
});
afterAll(() => stack.close());

type Entry = {
  at: string;
  actor: { type: string; id: string };
  action: string;
  changes: { field: string; from: unknown; to: unknown }[];
};

/** Every entry, following the cursor with a small page so paging is exercised too. */
async function history(id: string, call = alice): Promise<Entry[]> {
  const out: Entry[] = [];
  let after: string | undefined;
  do {
    const res = await call('GET', `/invoices/${id}/history?limit=2${after ? `&after=${after}` : ''}`);
    expect(res.status).toBe(200);
    out.push(...res.body.results);
    after = res.body.paging.next?.after;
  } while (after);
  return out;
}

const draft = async (extra: object = {}) =>
  (
    await alice('POST', '/invoices', {
      contacts: [contactId],
      lineItems: [{ name: 'Work', unitPrice: 1500 }],
      ...extra,
    })
  ).body;

describe('every change leaves its entry, with its actor, in order', () => {
  test('draft → edits → associations → finalize → credit note → paid', async () => {
    const inv = await draft();
    expect((await bob('PATCH', `/invoices/${inv.id}`, { poNumber: 'PO-1' })).status).toBe(200);
    expect((await alice('PUT', `/invoices/${inv.id}/associations/companies/${companyId}`)).status).toBe(200);
    expect((await bob('DELETE', `/invoices/${inv.id}/associations/companies/${companyId}`)).status).toBe(200);
    expect((await alice('POST', `/invoices/${inv.id}/finalize`)).status).toBe(200);
    expect((await bob('POST', `/invoices/${inv.id}/credit-notes`, { amount: 500, reason: 'Goodwill' })).status).toBe(
      201,
    );
    expect((await alice('POST', `/invoices/${inv.id}/mark-paid`, {})).status).toBe(200);

    const entries = await history(inv.id);
    expect(entries.map((e) => [e.action, e.actor.id])).toEqual([
      ['created', 'usr_alice'],
      ['edited', 'usr_bob'],
      ['associated', 'usr_alice'],
      ['dissociated', 'usr_bob'],
      ['finalized', 'usr_alice'],
      ['creditNoteIssued', 'usr_bob'],
      ['paid', 'usr_alice'],
    ]);
    expect(entries.every((e) => e.actor.type === 'user')).toBe(true);
    expect(entries.map((e) => e.at)).toEqual([...entries.map((e) => e.at)].sort());
    expect(entries[1]!.changes).toEqual([{ field: 'poNumber', from: null, to: 'PO-1' }]);
    expect(entries[2]!.changes).toEqual([{ field: 'company', from: null, to: companyId }]);
    const finalized = entries[4]!.changes;
    expect(finalized).toContainEqual({ field: 'status', from: 'draft', to: 'open' });
    expect(finalized.find((c) => c.field === 'finalizedAt')?.to).toEqual(expect.any(String));
    expect(entries[5]!.changes).toContainEqual({ field: 'totals.creditedAmount', from: 0, to: 500 });
    expect(entries[6]!.changes).toContainEqual({ field: 'status', from: 'open', to: 'paid' });
  });

  test('a created entry names what the draft was made from: a cloned invoice, a record', async () => {
    const source = await draft();
    const clone = await bob('POST', `/invoices/${source.id}/clone`);
    expect(clone.status).toBe(201);
    const [created] = await history(clone.body.id);
    expect(created).toMatchObject({ action: 'created', actor: { type: 'user', id: 'usr_bob' } });
    expect((created as Entry & { detail?: unknown }).detail).toEqual({ source: { type: 'invoice', id: source.id } });

    const fromContact = await alice('POST', '/invoices', { from: { type: 'contact', id: contactId } });
    expect(fromContact.status).toBe(201);
    const [entry] = await history(fromContact.body.id);
    expect((entry as Entry & { detail?: unknown }).detail).toEqual({ source: { type: 'contact', id: contactId } });
    // Made from nothing, it names nothing.
    const [plain] = await history(source.id);
    expect((plain as Entry & { detail?: unknown }).detail).toBeUndefined();
  });

  test('a line edit names the line field that changed, old and new', async () => {
    const inv = await draft();
    const lineId = inv.lineItems[0].id;
    await alice('PATCH', `/invoices/${inv.id}`, { lineItems: [{ id: lineId, name: 'Work', unitPrice: 2000 }] });
    const edited = (await history(inv.id))[1]!;
    expect(edited.changes).toContainEqual({ field: 'lineItems.0.unitPrice', from: 1500, to: 2000 });
    expect(edited.changes).toContainEqual({ field: 'totals.total', from: 1500, to: 2000 });
  });

  test('void and payments', async () => {
    const voided = await draft();
    await alice('POST', `/invoices/${voided.id}/finalize`);
    await bob('POST', `/invoices/${voided.id}/void`);
    expect((await history(voided.id)).map((e) => e.action)).toEqual(['created', 'finalized', 'voided']);

    const paid = await draft();
    await alice('POST', `/invoices/${paid.id}/finalize`);
    expect(
      (await bob('POST', `/invoices/${paid.id}/payments`, { amount: 1500, paidAt: '2026-01-15', method: 'card' }))
        .status,
    ).toBe(201);
    const entries = await history(paid.id);
    expect(entries.map((e) => [e.action, e.actor.id])).toEqual([
      ['created', 'usr_alice'],
      ['finalized', 'usr_alice'],
      ['paymentRecorded', 'usr_bob'],
    ]);
  });
});

test("the past-due job's flag is an entry by the system", async () => {
  const inv = await draft({ paymentTerms: 'custom', dueDate: '2026-01-01', invoiceDate: '2026-01-01' });
  expect((await alice('POST', `/invoices/${inv.id}/finalize`)).status).toBe(200);
  const db = documentClient({ tableName: stack.tableName, endpoint: stack.endpoint, region: 'us-east-1' });
  const index = new DynamoOverdueIndex(db, stack.tableName);
  // The job runs long after the finalize (entries are ordered to the second, then by version).
  const later = new Date(Date.now() + 2_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  expect(await index.flag(accountId, inv.id, later)).toBe(true);
  expect(await index.flag(accountId, inv.id, later)).toBe(false); // flagged already: no second entry
  const entries = await history(inv.id);
  expect(entries.map((e) => [e.action, e.actor])).toEqual([
    ['created', { type: 'user', id: 'usr_alice' }],
    ['finalized', { type: 'user', id: 'usr_alice' }],
    ['flaggedPastDue', { type: 'system', id: 'overdue-job' }],
  ]);
  expect(entries[2]!.changes).toEqual([{ field: 'pastDue', from: false, to: true }]);
});

describe('a refused action leaves no entry', () => {
  test('409 (edit once open), 412 (stale If-Match), 422 (finalize with nothing to bill)', async () => {
    const open = await draft();
    await alice('POST', `/invoices/${open.id}/finalize`);
    const before = await history(open.id);
    expect((await alice('PATCH', `/invoices/${open.id}`, { poNumber: 'X' })).status).toBe(409);
    expect((await alice('POST', `/invoices/${open.id}/finalize`)).status).toBe(409);
    expect((await alice('POST', `/invoices/${open.id}/void`, undefined, { 'if-match': '"1"' })).status).toBe(412);
    expect(await history(open.id)).toEqual(before);

    const empty = (await alice('POST', '/invoices', { contacts: [contactId] })).body;
    expect((await alice('POST', `/invoices/${empty.id}/finalize`)).status).toBe(422);
    expect((await alice('PATCH', `/invoices/${empty.id}`, { company: 'com_nope' })).status).toBe(422);
    expect((await history(empty.id)).map((e) => e.action)).toEqual(['created']);
  });
});

describe('deleting a draft', () => {
  test('keeps its history readable by id, set to expire in 90 days', async () => {
    const inv = await draft();
    await alice('PATCH', `/invoices/${inv.id}`, { poNumber: 'PO-9' });
    expect((await bob('DELETE', `/invoices/${inv.id}`)).status).toBe(204);
    expect((await alice('GET', `/invoices/${inv.id}`)).status).toBe(404);
    const entries = await history(inv.id);
    expect(entries.map((e) => [e.action, e.actor.id])).toEqual([
      ['created', 'usr_alice'],
      ['edited', 'usr_alice'],
      ['deleted', 'usr_bob'],
    ]);
    const db = documentClient({ tableName: stack.tableName, endpoint: stack.endpoint, region: 'us-east-1' });
    const items = await db.send(
      new QueryCommand({
        TableName: stack.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': keys.invoice(accountId, inv.id).pk, ':p': HISTORY_SK },
      }),
    );
    const ninetyDays = Date.now() / 1000 + 90 * 86_400;
    for (const item of items.Items ?? []) expect(Math.abs((item.expiresAt as number) - ninetyDays)).toBeLessThan(600);
    const gone = await db.send(new GetCommand({ TableName: stack.tableName, Key: keys.invoice(accountId, inv.id) }));
    expect(gone.Item).toBeUndefined();
  });
});

describe('reading', () => {
  test("another account's invoice, or none, is a 404; a bad cursor a 400", async () => {
    const inv = await draft();
    const other = client(stack.baseUrl, await stack.token(uniqueAccount()));
    expect((await other('GET', `/invoices/${inv.id}/history`)).status).toBe(404);
    expect((await alice('GET', '/invoices/inv_nope/history')).status).toBe(404);
    expect((await alice('GET', `/invoices/${inv.id}/history?after=bm9wZQ`)).status).toBe(400);
  });
});
