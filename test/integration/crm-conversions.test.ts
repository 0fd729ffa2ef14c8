import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { client, startStack, uniqueAccount, type Stack } from '../support/local-stack.js';

/**
 * CRM records and invoices made from them, over HTTP against DynamoDB Local: deals, quotes and
 * products; conversions; the record → invoices listing; deletes that invoices forbid or follow.
 */
let stack: Stack;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  stack = await startStack();
  api = client(stack.baseUrl, await stack.token(uniqueAccount(), { sub: 'usr_alice' }));
});
afterAll(() => stack.close());

const created = async (path: string, body: unknown) => {
  const res = await api('POST', path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
};

/** A line as an invoice, deal or quote shows it, without its own id. */
const content = ({ id: _id, ...rest }: { id: string }) => rest;

const THREE_LINES = [
  { name: 'Design', quantity: 3, unitPrice: 12_000, discount: { type: 'percent', value: 12.5 } },
  { name: 'Hosting', quantity: 12, unitPrice: 1_999, discount: { type: 'amount', value: 250 } },
  { name: 'Licence', description: 'Annual', quantity: 1.5, unitPrice: 4_999, taxRate: 21 },
];

describe('deals', () => {
  test('a deal with three line items becomes an invoice with identical lines and totals, its contacts and company', async () => {
    const contact = await created('/contacts', { firstName: 'Ada' });
    const company = await created('/companies', { name: 'Engines' });
    const deal = await created('/deals', {
      name: 'Big one',
      contacts: [contact.id],
      company: company.id,
      lineItems: THREE_LINES,
    });
    expect(deal.owner).toBe('usr_alice');
    expect(deal.totals.total).toBeGreaterThan(0);

    const inv = await created('/invoices', { from: { type: 'deal', id: deal.id } });
    expect(inv.lineItems.map(content)).toEqual(deal.lineItems.map(content));
    expect(inv.totals).toEqual({ ...deal.totals, amountPaid: 0, balanceDue: deal.totals.total });
    // 3 × 12000 less 12.5 %, 12 × 1999 less 12 × 250, 1.5 × 4999 (7498.5 → 7499) plus 21 % tax (1574.79 → 1575)
    expect(inv.totals).toMatchObject({ subtotal: 36_000 + 23_988 + 7_499, discount: 4_500 + 3_000, tax: 1_575 });
    expect(inv).toMatchObject({
      status: 'draft',
      contacts: [contact.id],
      company: company.id,
      deals: [deal.id],
      quotes: [],
      owner: 'usr_alice',
    });

    // Both ways: the deal, the contact and the company list the invoice.
    for (const path of [`/deals/${deal.id}`, `/contacts/${contact.id}`, `/companies/${company.id}`]) {
      const listed = await api('GET', `${path}/invoices`);
      expect(listed.status).toBe(200);
      expect(listed.body.results.map((i: { id: string }) => i.id)).toEqual([inv.id]);
    }
  });

  test('fields beside `from` override what it copies; a deal with line items names its products', async () => {
    const deal = await created('/deals', { name: 'Small', lineItems: [{ name: 'Work', unitPrice: 1000 }] });
    const contact = await created('/contacts', { firstName: 'Bo' });
    const inv = await created('/invoices', {
      from: { type: 'deal', id: deal.id },
      contacts: [contact.id],
      poNumber: 'PO-9',
      lineItems: [{ name: 'Other', unitPrice: 5 }],
    });
    expect(inv).toMatchObject({ contacts: [contact.id], poNumber: 'PO-9', deals: [deal.id] });
    expect(inv.lineItems.map((l: { name: string }) => l.name)).toEqual(['Other']);
  });

  test('owner defaults to the creator and writers can change it', async () => {
    const deal = await created('/deals', { name: 'Owned' });
    const moved = await api('PATCH', `/deals/${deal.id}`, { owner: 'usr_bob' }, { 'if-match': `"${deal.version}"` });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ owner: 'usr_bob', version: 2 });
    expect((await api('PATCH', `/deals/${deal.id}`, { name: 'x' }, { 'if-match': '"1"' })).status).toBe(412);
  });
});

describe('quotes', () => {
  test('a published quote becomes an invoice with every listed field; the quote records it', async () => {
    const contacts = [await created('/contacts', { firstName: 'Cy' }), await created('/contacts', { firstName: 'Di' })];
    const company = await created('/companies', { name: 'Quoted Ltd' });
    const deal = await created('/deals', { name: 'Behind the quote' });
    const billingAddress = {
      line1: '1 Main St',
      city: 'Springfield',
      region: 'IL',
      postalCode: '62701',
      country: 'US',
    };
    const quote = await created('/quotes', {
      title: 'Q-1',
      status: 'published',
      contacts: contacts.map((c) => c.id),
      company: company.id,
      deal: deal.id,
      lineItems: THREE_LINES,
      comments: '<p>Thanks <b>a lot</b><script>x()</script></p>',
      expiresOn: '2027-01-31',
      billingAddress,
    });
    expect(quote.comments).toBe('<p>Thanks <b>a lot</b></p>');

    const inv = await created('/invoices', { from: { type: 'quote', id: quote.id } });
    expect(inv.lineItems.map(content)).toEqual(quote.lineItems.map(content));
    expect(inv.lineItems.map((l: { discount: unknown; taxRate: unknown }) => [l.discount, l.taxRate])).toEqual(
      quote.lineItems.map((l: { discount: unknown; taxRate: unknown }) => [l.discount, l.taxRate]),
    );
    expect(inv.totals).toMatchObject({
      subtotal: quote.totals.subtotal,
      discount: quote.totals.discount,
      tax: quote.totals.tax,
      total: quote.totals.total,
    });
    expect(inv).toMatchObject({
      contacts: contacts.map((c) => c.id),
      company: company.id,
      comments: quote.comments,
      billingAddress,
      quotes: [quote.id],
      deals: [deal.id],
    });

    const again = await created('/invoices', { from: { type: 'quote', id: quote.id }, comments: null });
    expect(again.comments).toBeNull();
    expect((await api('GET', `/quotes/${quote.id}`)).body.invoices).toEqual([inv.id, again.id]);
    expect((await api('GET', `/quotes/${quote.id}/invoices`)).body.results.map((i: { id: string }) => i.id)).toEqual([
      again.id,
      inv.id,
    ]);
  });

  test('a draft quote cannot become an invoice: 422, and no invoice is made', async () => {
    const quote = await created('/quotes', { title: 'Not yet', lineItems: [{ name: 'Work', unitPrice: 100 }] });
    expect(quote.status).toBe('draft');
    const before = (await api('GET', '/invoices?limit=100')).body.results.length;
    const res = await api('POST', '/invoices', { from: { type: 'quote', id: quote.id } });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'from.id', message: expect.stringContaining('draft') }]);
    expect((await api('GET', '/invoices?limit=100')).body.results.length).toBe(before);
    expect((await api('GET', `/quotes/${quote.id}`)).body.invoices).toEqual([]);
  });

  test('validation is strict and names the field', async () => {
    const res = await api('POST', '/quotes', {
      title: 'x',
      status: 'sent',
      colour: 'red',
      lineItems: [{ quantity: 2 }],
    });
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'colour',
      'lineItems.0.name',
      'lineItems.0.unitPrice',
      'status',
    ]);
  });
});

describe('products', () => {
  test('a product line copies the product as it is now; changing or deleting the product later changes no invoice', async () => {
    const product = await created('/products', {
      name: 'Widget',
      sku: 'W-1',
      description: 'Blue',
      unitPrice: 2_500,
      taxRate: 10,
    });
    const inv = await created('/invoices', {
      lineItems: [
        { productId: product.id, quantity: 2 },
        { name: 'Custom', unitPrice: 100 },
      ],
    });
    expect(inv.lineItems[0]).toMatchObject({
      productId: product.id,
      name: 'Widget',
      description: 'Blue',
      unitPrice: 2_500,
      taxRate: 10,
      amount: 5_000,
      taxAmount: 500,
    });
    expect(inv.lineItems[1]).toMatchObject({ productId: null, name: 'Custom', unitPrice: 100 });
    expect(inv.totals.total).toBe(5_600);

    expect((await api('PATCH', `/products/${product.id}`, { unitPrice: 9_999, name: 'Widget v2' })).status).toBe(200);
    expect((await api('GET', `/invoices/${inv.id}`)).body).toEqual(inv);
    expect((await api('DELETE', `/products/${product.id}`)).status).toBe(204);
    expect((await api('GET', `/invoices/${inv.id}`)).body).toEqual(inv);
    // Still editable: its lines sent back as read need nothing from the deleted product.
    const edited = await api('PATCH', `/invoices/${inv.id}`, {
      lineItems: inv.lineItems.map(({ amount: _a, taxAmount: _t, ...l }: Record<string, unknown>) => l),
    });
    expect(edited.status).toBe(200);
    expect(edited.body.lineItems).toEqual(inv.lineItems);
  });

  test('the line may override the name and price; an unknown product is a 422 naming the line', async () => {
    const product = await created('/products', { name: 'Gadget', unitPrice: 1_000 });
    const inv = await created('/invoices', {
      lineItems: [{ productId: product.id, name: 'Gadget (discounted)', unitPrice: 800 }],
    });
    expect(inv.lineItems[0]).toMatchObject({ productId: product.id, name: 'Gadget (discounted)', unitPrice: 800 });
    const res = await api('POST', '/invoices', {
      lineItems: [{ name: 'ok', unitPrice: 1 }, { productId: 'prod_doesnotexist' }],
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      { path: 'lineItems.1.productId', message: expect.stringContaining('prod_doesnotexist') },
    ]);
  });
});

describe('associations and deletes', () => {
  test('delete a contact named by an open invoice: 409 and the invoice intact; a draft just loses it', async () => {
    const contact = await created('/contacts', { firstName: 'Kept' });
    const open = await created('/invoices', {
      from: { type: 'contact', id: contact.id },
      lineItems: [{ name: 'Work', unitPrice: 100 }],
    });
    expect(open.contacts).toEqual([contact.id]);
    const finalized = (await api('POST', `/invoices/${open.id}/finalize`)).body;
    expect(finalized.status).toBe('open');
    const draft = await created('/invoices', { contacts: [contact.id] });

    const refused = await api('DELETE', `/contacts/${contact.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain(open.id);
    expect((await api('GET', `/invoices/${open.id}`)).body).toEqual(finalized);
    expect((await api('GET', `/contacts/${contact.id}`)).status).toBe(200);

    // Only drafts name this one: the delete goes through and the draft loses the contact.
    const other = await created('/contacts', { firstName: 'Gone' });
    const draft2 = await created('/invoices', { contacts: [contact.id, other.id] });
    expect((await api('DELETE', `/contacts/${other.id}`)).status).toBe(204);
    const after = (await api('GET', `/invoices/${draft2.id}`)).body;
    expect(after.contacts).toEqual([contact.id]);
    expect(after.version).toBe(draft2.version + 1);
    expect((await api('GET', `/invoices/${draft.id}`)).body.contacts).toEqual([contact.id]);
  });

  test('deals and quotes associate with an invoice in any status; contacts only with a draft', async () => {
    const contact = await created('/contacts', { firstName: 'Al' });
    const deal = await created('/deals', { name: 'Later' });
    const quote = await created('/quotes', { title: 'Later' });
    const inv = await created('/invoices', { contacts: [contact.id], lineItems: [{ name: 'Work', unitPrice: 100 }] });
    await api('POST', `/invoices/${inv.id}/finalize`);

    const withDeal = await api('PUT', `/invoices/${inv.id}/associations/deals/${deal.id}`);
    expect(withDeal.status).toBe(200);
    expect(withDeal.body.deals).toEqual([deal.id]);
    expect((await api('PUT', `/invoices/${inv.id}/associations/quotes/${quote.id}`)).body.quotes).toEqual([quote.id]);
    expect((await api('GET', `/deals/${deal.id}/invoices`)).body.results.map((i: { id: string }) => i.id)).toEqual([
      inv.id,
    ]);
    expect((await api('PUT', `/invoices/${inv.id}/associations/contacts/${contact.id}`)).status).toBe(409);
    expect((await api('PUT', `/invoices/${inv.id}/associations/deals/deal_unknown1`)).status).toBe(404);

    // Named by an open invoice, the deal cannot go; detached, it can.
    expect((await api('DELETE', `/deals/${deal.id}`)).status).toBe(409);
    const detached = await api('DELETE', `/invoices/${inv.id}/associations/deals/${deal.id}`);
    expect(detached.body.deals).toEqual([]);
    expect((await api('GET', `/deals/${deal.id}/invoices`)).body.results).toEqual([]);
    expect((await api('DELETE', `/deals/${deal.id}`)).status).toBe(204);
  });

  test('a deleted draft leaves its records’ listings', async () => {
    const company = await created('/companies', { name: 'Brief' });
    const inv = await created('/invoices', { from: { type: 'company', id: company.id } });
    expect(inv.company).toBe(company.id);
    expect((await api('GET', `/companies/${company.id}/invoices`)).body.results).toHaveLength(1);
    expect((await api('DELETE', `/invoices/${inv.id}`)).status).toBe(204);
    expect((await api('GET', `/companies/${company.id}/invoices`)).body.results).toEqual([]);
  });
});

describe('record-side listing across accounts', () => {
  /** The same data in an account: a contact with three invoices, another invoice without it, a deal with two. */
  async function seed(call: ReturnType<typeof client>) {
    const post = async (path: string, body: unknown) => (await call('POST', path, body)).body;
    const contact = await post('/contacts', { firstName: 'Same', lastName: 'Data', email: 'same@example.com' });
    const deal = await post('/deals', {
      name: 'Same deal',
      contacts: [contact.id],
      lineItems: [{ name: 'Work', unitPrice: 100 }],
    });
    const a = await post('/invoices', { from: { type: 'contact', id: contact.id } });
    const b = await post('/invoices', { from: { type: 'deal', id: deal.id } });
    await post('/invoices', { lineItems: [{ name: 'Unrelated', unitPrice: 1 }] });
    const c = await post('/invoices', { from: { type: 'deal', id: deal.id }, contacts: [] });
    return { contact, deal, contactInvoices: [b.id, a.id], dealInvoices: [c.id, b.id] };
  }

  test('each account gets exactly its record’s invoices, newest first, page by page; the other’s record is a 404', async () => {
    const apiA = client(stack.baseUrl, await stack.token(uniqueAccount('twin')));
    const apiB = client(stack.baseUrl, await stack.token(uniqueAccount('twin')));
    const [a, b] = [await seed(apiA), await seed(apiB)];
    for (const [call, mine, theirs] of [
      [apiA, a, b],
      [apiB, b, a],
    ] as const) {
      const first = await call('GET', `/contacts/${mine.contact.id}/invoices?limit=1`);
      expect(first.status).toBe(200);
      expect(first.body.results).toHaveLength(1);
      const rest = await call(
        'GET',
        `/contacts/${mine.contact.id}/invoices?limit=1&after=${first.body.paging.next.after}`,
      );
      const last = await call(
        'GET',
        `/contacts/${mine.contact.id}/invoices?limit=1&after=${rest.body.paging.next?.after}`,
      );
      expect(
        [...first.body.results, ...rest.body.results, ...last.body.results].map((i: { id: string }) => i.id),
      ).toEqual(mine.contactInvoices);
      expect(
        (await call('GET', `/deals/${mine.deal.id}/invoices`)).body.results.map((i: { id: string }) => i.id),
      ).toEqual(mine.dealInvoices);
      expect((await call('GET', `/contacts/${theirs.contact.id}/invoices`)).status).toBe(404);
      expect((await call('GET', `/deals/${theirs.deal.id}/invoices`)).status).toBe(404);
      // A cursor is bound to the record it paged.
      expect((await call('GET', `/deals/${mine.deal.id}/invoices?after=${first.body.paging.next.after}`)).status).toBe(
        400,
      );
    }
  });

  test('the listing needs invoices:read; CRM writes need crm:write', async () => {
    const acc = uniqueAccount('perm');
    const crmOnly = client(stack.baseUrl, await stack.token(acc, { permissions: ['crm:read', 'crm:write'] }));
    const reader = client(stack.baseUrl, await stack.token(acc, { permissions: ['crm:read', 'invoices:read'] }));
    const deal = (await crmOnly('POST', '/deals', { name: 'Perm' })).body;
    expect((await crmOnly('GET', `/deals/${deal.id}/invoices`)).status).toBe(403);
    expect((await reader('GET', `/deals/${deal.id}/invoices`)).status).toBe(200);
    expect((await reader('POST', '/products', { name: 'P', unitPrice: 1 })).status).toBe(403);
  });
});
