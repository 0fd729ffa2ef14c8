import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { paths } from '../support/api-types.generated.js';
import { API_TYPES_FILE, generateApiTypes } from '../support/api-types-source.js';
import { startStack, uniqueAccount, type Stack } from '../support/local-stack.js';

/**
 * A client generated from the OpenAPI document (openapi-typescript types, openapi-fetch calls)
 * runs the README walk-through. `tsc --noEmit` type-checks this file against the generated types,
 * so a request or response field the document does not describe fails the lint.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

test('the committed client types are those the current document generates (npm run gen:api-types)', async () => {
  const committed = readFileSync(resolve(import.meta.dirname, '../..', API_TYPES_FILE), 'utf8');
  expect(committed === (await generateApiTypes()), `${API_TYPES_FILE} is stale: run npm run gen:api-types`).toBe(true);
});

test('the README walk-through through the generated client', async () => {
  const api = createClient<paths>({
    baseUrl: stack.baseUrl,
    headers: { authorization: `Bearer ${await stack.token(uniqueAccount('acc_typed'))}` },
  });

  // 1. Settings
  const settings = await api.PUT('/settings/invoices', {
    body: { prefix: 'ACME', startNumber: 2001, currency: 'EUR', timeZone: 'Europe/Amsterdam' },
  });
  expect(settings.data?.prefix).toBe('ACME');

  // 2. A contact to bill
  const contact = await api.POST('/contacts', {
    body: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', metadata: { crmId: '42' } },
  });
  const contactId: string = contact.data!.id;
  expect(contact.data!.metadata).toEqual({ crmId: '42' });

  // 3. A draft with line items
  const created = await api.POST('/invoices', {
    params: { header: { 'Idempotency-Key': 'first-invoice' } },
    body: {
      contacts: [contactId],
      paymentTerms: 'net30',
      poNumber: 'PO-7',
      lineItems: [
        { name: 'Consulting', quantity: 2.5, unitPrice: 12000, discount: { type: 'percent', value: 10 }, taxRate: 21 },
        { name: 'Licence', unitPrice: 50000, discount: { type: 'amount', value: 5000 } },
      ],
      comments: '<p>Thank you for your <b>business</b>.</p>',
    },
  });
  const invoice = created.data!;
  expect(invoice.number).toBe('ACME-2001');
  expect(invoice.status).toBe('draft');
  expect(invoice.totals).toMatchObject({ subtotal: 80000, discount: 8000, tax: 5670, total: 77670 });

  // 4. Edit the draft with If-Match; a stale one is 412 with a problem body
  const edited = await api.PATCH('/invoices/{id}', {
    params: { path: { id: invoice.id }, header: { 'If-Match': `"${invoice.version}"` } },
    body: { poNumber: 'PO-8' },
  });
  expect(edited.data!.poNumber).toBe('PO-8');
  const stale = await api.PATCH('/invoices/{id}', {
    params: { path: { id: invoice.id }, header: { 'If-Match': `"${invoice.version}"` } },
    body: { poNumber: 'PO-9' },
  });
  expect(stale.response.status).toBe(412);
  expect(stale.error?.status).toBe(412);

  // 5. Finalize
  const open = await api.POST('/invoices/{id}/finalize', { params: { path: { id: invoice.id } } });
  expect(open.data!.status).toBe('open');
  expect(open.data!.finalizedAt).toBeTruthy();

  // 6. Mark it paid
  const paid = await api.POST('/invoices/{id}/mark-paid', {
    params: { path: { id: invoice.id } },
    body: { paidAt: '2026-11-20' },
  });
  expect(paid.data!.status).toBe('paid');
  expect(paid.data!.totals.balanceDue).toBe(0);

  // The index, newest first
  const page = await api.GET('/invoices', { params: { query: { limit: 10 } } });
  expect(page.data!.results.map((i) => i.number)).toEqual(['ACME-2001']);

  // A key for a program, then the same client shape with the key
  const key = await api.POST('/api-keys', { body: { name: 'bot', permissions: ['invoices:read'] } });
  const bot = createClient<paths>({ baseUrl: stack.baseUrl, headers: { authorization: `Bearer ${key.data!.key}` } });
  const seen = await bot.GET('/invoices/{id}', { params: { path: { id: invoice.id } } });
  expect(seen.data!.status).toBe('paid');
});
