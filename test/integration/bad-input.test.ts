import { afterAll, beforeAll, expect, test } from 'vitest';
import { client, startStack, uniqueAccount, type Stack } from '../support/local-stack.js';

let stack: Stack;
let api: ReturnType<typeof client>;
let draft: { id: string; version: number };
let snapshot: () => Promise<unknown>;

beforeAll(async () => {
  stack = await startStack();
  api = client(stack.baseUrl, await stack.token(uniqueAccount()));
  await api('PUT', '/settings/invoices', { prefix: 'KEEP' });
  draft = (await api('POST', '/invoices', { poNumber: 'PO-1', lineItems: [{ name: 'Work', unitPrice: 100 }] })).body;
  // Everything the account has stored: bad requests must leave it exactly as it was.
  snapshot = async () => ({
    settings: (await api('GET', '/settings/invoices')).body,
    invoices: (await api('GET', '/invoices?limit=100')).body,
    contacts: (await api('GET', '/contacts?limit=100')).body,
  });
});
afterAll(() => stack.close());

const line = { name: 'Work', unitPrice: 100 };
const BAD: [string, string, string, unknown, number, string | null][] = [
  [
    'wrong type for unitPrice',
    'POST',
    '/invoices',
    { lineItems: [{ name: 'A', unitPrice: '100' }] },
    422,
    'lineItems.0.unitPrice',
  ],
  [
    'fractional minor units',
    'POST',
    '/invoices',
    { lineItems: [{ name: 'A', unitPrice: 10.5 }] },
    422,
    'lineItems.0.unitPrice',
  ],
  ['missing name', 'POST', '/invoices', { lineItems: [{ unitPrice: 100 }] }, 422, 'lineItems.0.name'],
  ['unknown field', 'POST', '/invoices', { lineItems: [line], colour: 'red' }, 422, 'colour'],
  ['unknown field in a line', 'POST', '/invoices', { lineItems: [{ ...line, sku: 'x' }] }, 422, 'lineItems.0.sku'],
  ['negative quantity', 'POST', '/invoices', { lineItems: [{ ...line, quantity: -1 }] }, 422, 'lineItems.0.quantity'],
  [
    'discount above the price',
    'POST',
    '/invoices',
    { lineItems: [{ ...line, discount: { type: 'amount', value: 101 } }] },
    422,
    'lineItems.0.discount.value',
  ],
  [
    'percent over 100',
    'POST',
    '/invoices',
    { lineItems: [{ ...line, discount: { type: 'percent', value: 120 } }] },
    422,
    'lineItems.0.discount.value',
  ],
  [
    '10,000 line items',
    'POST',
    '/invoices',
    { lineItems: Array.from({ length: 10_000 }, () => line) },
    422,
    'lineItems',
  ],
  ['not a currency', 'POST', '/invoices', { currency: 'XYZ' }, 422, 'currency'],
  ['not a date', 'POST', '/invoices', { invoiceDate: '2026-02-30' }, 422, 'invoiceDate'],
  [
    'net terms past 9999-12-31',
    'POST',
    '/invoices',
    { invoiceDate: '9999-12-31', paymentTerms: 'net30' },
    422,
    'invoiceDate',
  ],
  [
    'unknown country',
    'POST',
    '/invoices',
    { billingAddress: { line1: 'a', city: 'b', country: 'QQ' } },
    422,
    'billingAddress.country',
  ],
  ['domain not connected', 'POST', '/invoices', { domain: 'billing.example.com' }, 422, 'domain'],
  ['body is an array', 'POST', '/invoices', [1, 2], 422, '(body)'],
  ['malformed JSON', 'POST', '/invoices', '{"lineItems": [', 400, null],
  ['prefix of 9 characters', 'PUT', '/settings/invoices', { prefix: 'ABCDEFGHI' }, 422, 'prefix'],
  ['start number zero', 'PUT', '/settings/invoices', { startNumber: 0 }, 422, 'startNumber'],
  ['bad time zone', 'PUT', '/settings/invoices', { timeZone: 'Mars/Olympus' }, 422, 'timeZone'],
  ['bad numbering mode', 'PUT', '/settings/invoices', { numbering: 'sometimes' }, 422, 'numbering'],
  ['contact with bad email', 'POST', '/contacts', { email: 'not-an-email' }, 422, 'email'],
  ['company without name', 'POST', '/companies', { domain: 'x.example' }, 422, 'name'],
  ['action with a body', 'POST', '/invoices/{draft}/finalize', { force: true }, 422, 'force'],
  ['patch with wrong type', 'PATCH', '/invoices/{draft}', { contacts: 'con_1' }, 422, 'contacts'],
  ['limit out of range', 'GET', '/invoices?limit=1000', undefined, 400, 'limit'],
  ['garbage cursor', 'GET', '/invoices?after=%%%', undefined, 400, 'after'],
];

test.each(BAD)(
  '%s → %i problem+json naming the field, nothing stored',
  async (_name, method, path, body, status, field) => {
    const before = await snapshot();
    const res = await api(method, path.replace('{draft}', draft.id), body);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({
      status,
      title: expect.any(String),
      detail: expect.any(String),
      type: expect.any(String),
    });
    if (field) expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    expect(await snapshot()).toEqual(before);
  },
);

test('a clone whose custom due date would land after 9999-12-31 is 422, not a +010000 date', async () => {
  const far = await api('POST', '/invoices', {
    invoiceDate: '0001-01-01',
    paymentTerms: 'custom',
    dueDate: '9999-12-31',
  });
  expect(far.status).toBe(201);
  const before = await snapshot();
  const clone = await api('POST', `/invoices/${far.body.id}/clone`);
  expect(clone.status).toBe(422);
  expect(clone.body.errors).toEqual([{ path: 'dueDate', message: 'gives a due date after 9999-12-31' }]);
  expect(await snapshot()).toEqual(before);
});

test('a malformed If-Match is 400', async () => {
  const res = await api('PATCH', `/invoices/${draft.id}`, { poNumber: 'x' }, { 'if-match': 'yesterday' });
  expect(res.status).toBe(400);
  expect(res.body.errors[0].path).toBe('If-Match');
});

test('a 5 MB body is 413 and stores nothing', async () => {
  const before = await snapshot();
  const res = await api('POST', '/invoices', { poNumber: 'x'.repeat(5 * 1024 * 1024) });
  expect(res.status).toBe(413);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(await snapshot()).toEqual(before);
});

test('script tags and handlers in comments are stripped; allowed markup stays', async () => {
  const res = await api('POST', '/invoices', {
    comments:
      '<p onclick="steal()">Pay <b>soon</b><script>alert(1)</script> <a href="javascript:alert(1)">x</a> <a href="https://pay.example/1">link</a></p><img src=x onerror=alert(1)><iframe src="//evil"></iframe>',
  });
  expect(res.status).toBe(201);
  const stored = (await api('GET', `/invoices/${res.body.id}`)).body.comments as string;
  expect(stored).not.toMatch(/script|onclick|onerror|javascript:|<img|<iframe/i);
  expect(stored).toContain('<b>soon</b>');
  expect(stored).toContain('<a href="https://pay.example/1" rel="noopener noreferrer nofollow">link</a>');
});

test('an unknown route is 404 and a wrong method 405, both problem+json', async () => {
  const missing = await api('GET', '/nothing-here');
  expect(missing.status).toBe(404);
  expect(missing.headers.get('content-type')).toContain('application/problem+json');
  expect((await api('PATCH', '/invoices')).status).toBe(405);
});

test('ids of the wrong shape are 404, not a lookup', async () => {
  for (const id of ['inv_1%23INV', 'x'.repeat(100), '..', 'INV-1001']) {
    const res = await api('GET', `/invoices/${id}`);
    expect(res.status, id).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  }
  expect((await api('GET', '/invoices/%E0%A4%A')).status).toBe(400);
});
