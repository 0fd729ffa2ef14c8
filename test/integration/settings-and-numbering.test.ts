import { afterAll, beforeAll, expect, test } from 'vitest';
import { client, startStack, uniqueAccount, type Stack } from '../support/local-stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const account = async () => client(stack.baseUrl, await stack.token(uniqueAccount()));

test('defaults as the contract names them', async () => {
  const api = await account();
  const res = await api('GET', '/settings/invoices');
  expect(res.body).toMatchObject({
    prefix: 'INV',
    startNumber: 1001,
    numbering: 'onCreate',
    currency: 'USD',
    timeZone: 'America/New_York',
    defaultLanguage: 'en',
    defaultLocale: 'en-US',
    domains: [],
  });
  const inv = await api('POST', '/invoices', {});
  expect(inv.body).toMatchObject({
    number: 'INV-1001',
    currency: 'USD',
    paymentTerms: 'dueOnReceipt',
    language: 'en',
    locale: 'en-US',
  });
  expect(inv.body.dueDate).toBe(inv.body.invoiceDate);
});

test('prefix and start number changes touch only invoices numbered afterwards', async () => {
  const api = await account();
  const first = (await api('POST', '/invoices', {})).body;
  await api('POST', '/invoices', {});
  expect((await api('PUT', '/settings/invoices', { prefix: 'BILL' })).status).toBe(200);
  const bill = (await api('POST', '/invoices', {})).body;
  expect(bill.number).toBe('BILL-1001');
  expect((await api('GET', `/invoices/${first.id}`)).body.number).toBe('INV-1001');

  // Back to INV: its own series continues, nothing is handed out twice.
  await api('PUT', '/settings/invoices', { prefix: 'INV' });
  expect((await api('POST', '/invoices', {})).body.number).toBe('INV-1003');

  // A start number below an issued number would reuse it: refused, settings unchanged.
  const before = (await api('GET', '/settings/invoices')).body;
  const refused = await api('PUT', '/settings/invoices', { startNumber: 1002 });
  expect(refused.status).toBe(422);
  expect(refused.body.errors[0].path).toBe('startNumber');
  expect(refused.body.detail).toContain('up to INV-1003');
  expect((await api('GET', '/settings/invoices')).body).toEqual(before);

  expect((await api('PUT', '/settings/invoices', { startNumber: 5000 })).status).toBe(200);
  expect((await api('POST', '/invoices', {})).body.number).toBe('INV-5000');
  expect((await api('GET', `/invoices/${bill.id}`)).body.number).toBe('BILL-1001');
});

test('settings writes honour If-Match', async () => {
  const api = await account();
  await api('PUT', '/settings/invoices', { currency: 'EUR' });
  const stale = await api('PUT', '/settings/invoices', { currency: 'GBP' }, { 'if-match': '"0"' });
  expect(stale.status).toBe(412);
  expect((await api('GET', '/settings/invoices')).body.currency).toBe('EUR');
});

test('currencies use their real minor units: JPY has none', async () => {
  const api = await account();
  const inv = await api('POST', '/invoices', {
    currency: 'JPY',
    lineItems: [{ name: 'Tea', quantity: 3, unitPrice: 1500, taxRate: 10 }],
  });
  expect(inv.body.totals).toMatchObject({ subtotal: 4500, tax: 450, total: 4950 });
});

test('onFinalize numbering: drafts have no number; switching modes keeps numbers issued', async () => {
  const api = await account();
  const contact = (await api('POST', '/contacts', { firstName: 'Ada' })).body.id;
  const early = (await api('POST', '/invoices', { contacts: [contact], lineItems: [{ name: 'A', unitPrice: 1 }] }))
    .body;
  expect(early.number).toBe('INV-1001');
  await api('PUT', '/settings/invoices', { numbering: 'onFinalize' });
  const late = (await api('POST', '/invoices', { contacts: [contact], lineItems: [{ name: 'A', unitPrice: 1 }] })).body;
  expect(late.number).toBeNull();
  expect((await api('POST', `/invoices/${early.id}/finalize`)).body.number).toBe('INV-1001');
  expect((await api('POST', `/invoices/${late.id}/finalize`)).body.number).toBe('INV-1002');
  const clone = (await api('POST', `/invoices/${late.id}/clone`)).body;
  expect(clone.number).toBeNull();
});

test('connected domains and slugs make the invoice URL; a slug is unique per domain', async () => {
  const api = await account();
  await api('PUT', '/settings/invoices', { domains: ['billing.example.com'] });
  const a = await api('POST', '/invoices', { domain: 'billing.example.com', slug: 'november-retainer' });
  expect(a.status).toBe(201);
  expect(a.body.url).toBe('https://billing.example.com/i/november-retainer');
  const b = await api('POST', '/invoices', { domain: 'billing.example.com', slug: 'november-retainer' });
  expect(b.status).toBe(409);
  expect(b.body.errors[0].path).toBe('slug');
  const moved = await api('PATCH', `/invoices/${a.body.id}`, { slug: 'december-retainer' });
  expect(moved.body.url).toBe('https://billing.example.com/i/december-retainer');
  // The old slug was released with the move.
  expect((await api('POST', '/invoices', { domain: 'billing.example.com', slug: 'november-retainer' })).status).toBe(
    201,
  );
  const plain = (await api('POST', '/invoices', {})).body;
  expect(plain.slug).toMatch(/^[0-9a-f]{32}$/);
  expect(plain.url).toBe(`${stack.baseUrl}/i/${plain.slug}`);
});

test('Idempotency-Key: a retry replays the first response; another body with the key is 422', async () => {
  const api = await account();
  const body = { poNumber: 'PO-1', lineItems: [{ name: 'A', unitPrice: 100 }] };
  const first = await api('POST', '/invoices', body, { 'idempotency-key': 'create-1' });
  const retry = await api('POST', '/invoices', body, { 'idempotency-key': 'create-1' });
  expect(first.status).toBe(201);
  expect(retry.status).toBe(201);
  expect(retry.body).toEqual(first.body);
  expect(retry.headers.get('idempotent-replayed')).toBe('true');
  const other = await api('POST', '/invoices', { ...body, poNumber: 'PO-2' }, { 'idempotency-key': 'create-1' });
  expect(other.status).toBe(422);
  expect(other.body.errors[0].path).toBe('Idempotency-Key');
  expect((await api('GET', '/invoices')).body.results).toHaveLength(1);
  // Keys belong to an account: another account's same key is a new request.
  const stranger = await account();
  expect((await stranger('POST', '/invoices', body, { 'idempotency-key': 'create-1' })).body.id).not.toBe(
    first.body.id,
  );
});

test('contacts and companies: create, read, edit, list, delete', async () => {
  const api = await account();
  const c = await api('POST', '/contacts', {
    firstName: 'Grace',
    lastName: 'Hopper',
    email: 'grace@example.com',
    address: { line1: '1 Navy Way', city: 'Arlington', region: 'VA', postalCode: '22201', country: 'US' },
  });
  expect(c.status).toBe(201);
  const edited = await api('PATCH', `/contacts/${c.body.id}`, { email: 'g@example.com' }, { 'if-match': '"1"' });
  expect(edited.body).toMatchObject({ email: 'g@example.com', firstName: 'Grace', version: 2 });
  expect((await api('GET', '/contacts')).body.results.map((r: { id: string }) => r.id)).toEqual([c.body.id]);
  expect((await api('DELETE', `/contacts/${c.body.id}`)).status).toBe(204);
  expect((await api('GET', `/contacts/${c.body.id}`)).status).toBe(404);
  const co = await api('POST', '/companies', { name: 'Navy' });
  expect((await api('PATCH', `/companies/${co.body.id}`, { name: '' })).status).toBe(422);
  expect((await api('GET', `/companies/${co.body.id}`)).body.name).toBe('Navy');
});
