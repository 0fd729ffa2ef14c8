import { afterAll, beforeAll, expect, test } from 'vitest';
import { client, startStack, uniqueAccount, type Stack } from '../support/local-stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

/** The README's curl walk-through, step by step, over HTTP against DynamoDB Local. */
test('settings, a contact, a draft with line items, finalize, mark paid', async () => {
  const api = client(stack.baseUrl, await stack.token(uniqueAccount('acc_walk')));

  const settings = await api('PUT', '/settings/invoices', {
    prefix: 'ACME',
    startNumber: 2001,
    currency: 'EUR',
    timeZone: 'Europe/Amsterdam',
    defaultLanguage: 'nl',
    defaultLocale: 'nl-NL',
  });
  expect(settings.status).toBe(200);
  expect(settings.body).toMatchObject({
    prefix: 'ACME',
    startNumber: 2001,
    numbering: 'onCreate',
    currency: 'EUR',
    version: 1,
  });
  expect(settings.headers.get('etag')).toBe('"1"');

  const contact = await api('POST', '/contacts', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' });
  expect(contact.status).toBe(201);
  expect(contact.body.id).toMatch(/^con_/);
  const company = await api('POST', '/companies', {
    name: 'Analytical Engines BV',
    domain: 'engines.example',
    address: { line1: 'Damrak 1', city: 'Amsterdam', postalCode: '1012 LG', country: 'NL' },
  });
  expect(company.status).toBe(201);

  const draft = await api('POST', '/invoices', {
    contacts: [contact.body.id],
    company: company.body.id,
    paymentTerms: 'net30',
    invoiceDate: '2026-11-27',
    poNumber: 'PO-7',
    billingAddress: { line1: 'Damrak 1', city: 'Amsterdam', postalCode: '1012 LG', country: 'NL' },
    lineItems: [
      { name: 'Consulting', quantity: 2.5, unitPrice: 12000, discount: { type: 'percent', value: 10 }, taxRate: 21 },
      { name: 'Licence', unitPrice: 50000, discount: { type: 'amount', value: 5000 } },
    ],
    comments: '<p>Thank you for your <b>business</b>.</p>',
  });
  expect(draft.status).toBe(201);
  expect(draft.body).toMatchObject({
    number: 'ACME-2001',
    status: 'draft',
    currency: 'EUR',
    language: 'nl',
    locale: 'nl-NL',
    dueDate: '2026-12-27',
    owner: 'usr_test',
    totals: { subtotal: 80000, discount: 8000, tax: 5670, total: 77670, amountPaid: 0, balanceDue: 77670 },
  });
  expect(draft.body.lineItems.map((l: { amount: number }) => l.amount)).toEqual([27000, 45000]);
  expect(draft.body.url).toBe(`${stack.baseUrl}/i/${draft.body.slug}`);
  expect(draft.headers.get('etag')).toBe('"1"');

  const edited = await api('PATCH', `/invoices/${draft.body.id}`, { poNumber: 'PO-8' }, { 'if-match': '"1"' });
  expect(edited.status).toBe(200);
  expect(edited.body).toMatchObject({ poNumber: 'PO-8', version: 2 });

  const open = await api('POST', `/invoices/${draft.body.id}/finalize`);
  expect(open.status).toBe(200);
  expect(open.body).toMatchObject({ status: 'open', number: 'ACME-2001', version: 3 });
  expect(open.body.finalizedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

  const paid = await api('POST', `/invoices/${draft.body.id}/mark-paid`, { paidAt: '2026-11-20T09:00:00Z' });
  expect(paid.status).toBe(200);
  expect(paid.body).toMatchObject({
    status: 'paid',
    paidAt: '2026-11-20T09:00:00Z',
    totals: { amountPaid: 77670, balanceDue: 0 },
  });

  const read = await api('GET', `/invoices/${draft.body.id}`);
  expect(read.body).toEqual(paid.body);
  const list = await api('GET', '/invoices');
  expect(list.body.results.map((i: { id: string }) => i.id)).toEqual([draft.body.id]);
});
