import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { keys, metadataPartition } from '../../functions/dynamodb/keys.js';
import { client, startStack, uniqueAccount, type Stack } from '../support/local-stack.js';

/** Metadata on every kind of object, through the local runtime on DynamoDB Local. */
let stack: Stack;
let call: ReturnType<typeof client>;
let other: ReturnType<typeof client>;
let db: DynamoDBDocumentClient;
const accountId = uniqueAccount('acc_meta');

beforeAll(async () => {
  stack = await startStack();
  call = client(stack.baseUrl, await stack.token(accountId));
  other = client(stack.baseUrl, await stack.token(uniqueAccount('acc_meta_other')));
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: stack.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
});
afterAll(() => stack.close());

const must = async (method: string, path: string, body?: unknown, status = [200, 201]) => {
  const res = await call(method, path, body);
  expect(status, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`).toContain(res.status);
  return res.body;
};

const search = async (filter: Record<string, unknown>, as = call) => {
  const res = await as('POST', '/invoices/search', { filterGroups: [{ filters: [filter] }] });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.results as { id: string }[]).map((r) => r.id).sort();
};

describe('CRM records: set on create, merged on edit, returned everywhere', () => {
  test.each([
    ['contacts', { firstName: 'Ada' }],
    ['companies', { name: 'Acme' }],
    ['products', { name: 'Widget', unitPrice: 100 }],
    ['deals', { name: 'Deal' }],
    ['quotes', { title: 'Quote' }],
  ])('%s', async (collection, fields) => {
    const created = await must('POST', `/${collection}`, {
      ...fields,
      metadata: { erpId: 'E-1', project: 'P', empty: '' },
    });
    expect(created.metadata).toEqual({ erpId: 'E-1', project: 'P' });
    const edited = await must('PATCH', `/${collection}/${created.id}`, { metadata: { project: '', region: 'EU' } });
    expect(edited.metadata).toEqual({ erpId: 'E-1', region: 'EU' });
    // An edit without metadata keeps it.
    const renamed = await must('PATCH', `/${collection}/${created.id}`, fields);
    expect(renamed.metadata).toEqual({ erpId: 'E-1', region: 'EU' });
    expect((await must('GET', `/${collection}/${created.id}`)).metadata).toEqual({ erpId: 'E-1', region: 'EU' });
    const listed = (await must('GET', `/${collection}?limit=100`)).results.find(
      (r: { id: string }) => r.id === created.id,
    );
    expect(listed.metadata).toEqual({ erpId: 'E-1', region: 'EU' });
    // Without any: an empty object.
    expect((await must('POST', `/${collection}`, fields)).metadata).toEqual({});
  });
});

describe('invoices, payments and credit notes', () => {
  test('an issued invoice takes a metadata edit (and only that); payments and credit notes keep theirs', async () => {
    const contact = await must('POST', '/contacts', { firstName: 'Ada' });
    const invoice = await must('POST', '/invoices', {
      contacts: [contact.id],
      lineItems: [{ name: 'Work', unitPrice: 10_000 }],
      allowPartialPayments: true,
      metadata: { orderId: 'ord_1' },
    });
    expect(invoice.metadata).toEqual({ orderId: 'ord_1' });
    const open = await must('POST', `/invoices/${invoice.id}/finalize`);
    const tagged = await must('PATCH', `/invoices/${invoice.id}`, { metadata: { batch: '7' } });
    expect(tagged.metadata).toEqual({ orderId: 'ord_1', batch: '7' });
    expect(tagged.version).toBe(open.version + 1);
    expect(tagged.status).toBe('open');
    expect(tagged.totals).toEqual(open.totals);
    expect(tagged.number).toBe(open.number);
    // Anything beside metadata is still an edit of an issued invoice.
    const refused = await call('PATCH', `/invoices/${invoice.id}`, { poNumber: 'x', metadata: { batch: '8' } });
    expect(refused.status).toBe(409);
    expect((await must('GET', `/invoices/${invoice.id}`)).metadata).toEqual({ orderId: 'ord_1', batch: '7' });

    const payment = await must('POST', `/invoices/${invoice.id}/payments`, {
      amount: 4_000,
      paidAt: '2026-01-15',
      method: 'card',
      metadata: { txn: 'T-9' },
    });
    expect(payment.metadata).toEqual({ txn: 'T-9' });
    expect((await must('GET', `/invoices/${invoice.id}/payments`)).results[0].metadata).toEqual({ txn: 'T-9' });
    const note = await must('POST', `/invoices/${invoice.id}/credit-notes`, {
      amount: 1_000,
      reason: 'Goodwill',
      metadata: { ticket: 'SUP-3' },
    });
    expect(note.metadata).toEqual({ ticket: 'SUP-3' });
    expect((await must('GET', `/credit-notes/${note.id}`)).metadata).toEqual({ ticket: 'SUP-3' });
    expect((await must('GET', `/invoices/${invoice.id}/credit-notes`)).results[0].metadata).toEqual({
      ticket: 'SUP-3',
    });
    // A paid (or voided) invoice takes it too.
    const settled = await must('POST', `/invoices/${invoice.id}/mark-paid`, {});
    expect(settled.status).toBe('paid');
    expect((await must('PATCH', `/invoices/${invoice.id}`, { metadata: { batch: '' } })).metadata).toEqual({
      orderId: 'ord_1',
    });
  });

  test('limits: 50 keys, keys of 40 characters, values of 500; each refusal names the field', async () => {
    const many = (n: number, prefix = 'k') =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'v']));
    const cases: [unknown, string][] = [
      [{ metadata: many(51) }, 'metadata'],
      [{ metadata: { ['x'.repeat(41)]: 'v' } }, `metadata.${'x'.repeat(41)}`],
      [{ metadata: { k: 'v'.repeat(501) } }, 'metadata.k'],
      [{ metadata: { k: 5 } }, 'metadata.k'],
      [{ metadata: 'nope' }, 'metadata'],
    ];
    for (const [body, path] of cases) {
      const res = await call('POST', '/invoices', body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect(
      (await must('POST', '/invoices', { metadata: { ['x'.repeat(40)]: 'v'.repeat(500) } })).metadata,
    ).toBeTruthy();
    // 50 stored, then one more: refused, nothing changed.
    const full = await must('POST', '/contacts', { metadata: many(50) });
    const over = await call('PATCH', `/contacts/${full.id}`, { metadata: { extra: 'v' } });
    expect(over.status).toBe(422);
    expect(over.body.errors[0].path).toBe('metadata');
    // Removing one makes room for another in the same edit.
    const swapped = await must('PATCH', `/contacts/${full.id}`, { metadata: { k0: '', extra: 'v' } });
    expect(Object.keys(swapped.metadata)).toHaveLength(50);
    expect(swapped.metadata.extra).toBe('v');
  });
});

describe('search by metadata.<key>, from the metadata links', () => {
  test('EQ and IN find exactly the invoices with that value, following edits and deletes, per account', async () => {
    const a = await must('POST', '/invoices', { metadata: { orderId: 'A-100', channel: 'web' } });
    const b = await must('POST', '/invoices', { metadata: { orderId: 'A-200', channel: 'web' } });
    const c = await must('POST', '/invoices', { metadata: { channel: 'store' } });
    // The same value in another account is not found.
    await other('POST', '/invoices', { metadata: { orderId: 'A-100' } });

    expect(await search({ propertyName: 'metadata.orderId', operator: 'EQ', value: 'A-100' })).toEqual([a.id]);
    expect(await search({ propertyName: 'metadata.orderId', operator: 'IN', values: ['A-100', 'A-200'] })).toEqual(
      [a.id, b.id].sort(),
    );
    expect(await search({ propertyName: 'metadata.channel', operator: 'EQ', value: 'store' })).toEqual([c.id]);
    expect(await search({ propertyName: 'metadata.channel', operator: 'EQ', value: 'phone' })).toEqual([]);

    // One link item per (key, value) pair, under the account: this is what the search reads.
    const links = async (key: string, value: string) =>
      (
        await db.send(
          new QueryCommand({
            TableName: stack.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': metadataPartition(accountId, key, value) },
          }),
        )
      ).Items!.map((i) => i.invoiceId as string);
    expect(await links('orderId', 'A-100')).toEqual([a.id]);

    // A changed value moves the invoice; a removed key drops it; a deleted draft leaves nothing.
    await must('PATCH', `/invoices/${a.id}`, { metadata: { orderId: 'A-101', channel: '' } });
    expect(await search({ propertyName: 'metadata.orderId', operator: 'EQ', value: 'A-100' })).toEqual([]);
    expect(await search({ propertyName: 'metadata.orderId', operator: 'EQ', value: 'A-101' })).toEqual([a.id]);
    expect(await search({ propertyName: 'metadata.channel', operator: 'EQ', value: 'web' })).toEqual([b.id]);
    expect(await links('orderId', 'A-100')).toEqual([]);
    await must('DELETE', `/invoices/${b.id}`, undefined, [204]);
    expect(await search({ propertyName: 'metadata.channel', operator: 'EQ', value: 'web' })).toEqual([]);
    expect(await links('channel', 'web')).toEqual([]);

    // Combined with other filters in the group (ANDed).
    expect(
      await search({ propertyName: 'metadata.orderId', operator: 'EQ', value: 'A-101' }).then(
        async () =>
          (
            await call('POST', '/invoices/search', {
              filterGroups: [
                {
                  filters: [
                    { propertyName: 'metadata.orderId', operator: 'EQ', value: 'A-101' },
                    { propertyName: 'status', operator: 'EQ', value: 'open' },
                  ],
                },
              ],
            })
          ).body.results,
      ),
    ).toEqual([]);
  });

  test('other operators and bad values on metadata are 422 naming the field', async () => {
    for (const [filter, path] of [
      [{ propertyName: 'metadata.orderId', operator: 'NEQ', value: 'x' }, 'filterGroups.0.filters.0.operator'],
      [{ propertyName: 'metadata.orderId', operator: 'EQ' }, 'filterGroups.0.filters.0.value'],
      [{ propertyName: 'metadata.', operator: 'EQ', value: 'x' }, 'filterGroups.0.filters.0.propertyName'],
      [{ propertyName: 'metadata.orderId', operator: 'IN', values: ['a', 5] }, 'filterGroups.0.filters.0.values.1'],
    ] as const) {
      const res = await call('POST', '/invoices/search', { filterGroups: [{ filters: [filter] }] });
      expect(res.status, JSON.stringify(filter)).toBe(422);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
  });

  test('an invoice stored before metadata existed shows {} and takes metadata later (no backfill needed)', async () => {
    const inv = await must('POST', '/invoices', {});
    await db.send(
      new UpdateCommand({
        TableName: stack.tableName,
        Key: keys.invoice(accountId, inv.id),
        UpdateExpression: 'REMOVE metadata',
      }),
    );
    expect((await must('GET', `/invoices/${inv.id}`)).metadata).toEqual({});
    expect((await must('PATCH', `/invoices/${inv.id}`, { metadata: { legacy: 'yes' } })).metadata).toEqual({
      legacy: 'yes',
    });
    expect(await search({ propertyName: 'metadata.legacy', operator: 'EQ', value: 'yes' })).toEqual([inv.id]);
  });
});
