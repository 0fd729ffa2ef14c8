import { beforeEach, describe, expect, test } from 'vitest';
import { recordUseCases } from '../../../../domain/crm/record-use-cases.js';
import { dealHooks, quoteHooks } from '../../../../domain/crm/sales-record-rules.js';
import {
  dealFields,
  productFields,
  quoteFields,
  type Deal,
  type DealInput,
  type Product,
  type ProductInput,
  type Quote,
  type QuoteInput,
} from '../../../../domain/crm/sales-records.js';
import {
  associateRecord,
  createInvoiceFromRequest,
  updateInvoiceFromRequest,
} from '../../../../domain/invoices/invoice-conversion.js';
import { finalizeInvoice } from '../../../../domain/invoices/invoice-use-cases.js';
import type { LineItemRequest } from '../../../../domain/invoices/invoice-input.js';
import { actorFor, domainError, seedCompany, seedContact } from '../../../support/in-memory.js';
import { inMemoryCrmDeps } from '../../../support/in-memory-crm.js';

const me = actorFor('acc_1', 'usr_me');
let d: ReturnType<typeof inMemoryCrmDeps>;
const productsUc = recordUseCases<Product, ProductInput>('product', productFields);

const sales = () => ({
  contacts: d.contacts,
  companies: d.companies,
  deals: d.deals,
  products: d.products,
  ids: d.ids,
});
const linkDeps = () => ({ invoices: d.invoices, links: d.links, clock: d.clock });
const newDeal = (input: DealInput) =>
  recordUseCases<Deal, DealInput>('deal', dealFields, dealHooks(sales(), linkDeps())).create(
    { store: d.deals, clock: d.clock, ids: d.ids },
    me,
    input,
  );
const newQuote = (input: QuoteInput) =>
  recordUseCases<Quote, QuoteInput>('quote', quoteFields, quoteHooks(sales(), linkDeps())).create(
    { store: d.quotes, clock: d.clock, ids: d.ids },
    me,
    input,
  );
const newProduct = (input: ProductInput) =>
  productsUc.create({ store: d.products, clock: d.clock, ids: d.ids }, me, input);

/** A line without its id, which each copy gets anew. */
const content = ({ id: _id, ...rest }: { id: string }) => rest;

const LINES: LineItemRequest[] = [
  { name: 'Design', quantity: 3, unitPrice: 12_000, discount: { type: 'percent', value: 12.5 } },
  { name: 'Hosting', quantity: 12, unitPrice: 1_999, discount: { type: 'amount', value: 250 } },
  { name: 'Licence', quantity: 1.5, unitPrice: 4_999, taxRate: 21 },
];

beforeEach(() => {
  d = inMemoryCrmDeps();
});

describe('from a deal', () => {
  test('copies lines (amounts and totals identical), contacts and company, and names the deal', async () => {
    const contact = await seedContact(d, 'acc_1');
    const company = await seedCompany(d, 'acc_1');
    const deal = await newDeal({ name: 'D', contacts: [contact], company, lineItems: LINES });
    expect(deal.owner).toBe('usr_me');
    const inv = await createInvoiceFromRequest(d.deps, me, { from: { type: 'deal', id: deal.id } });
    expect(inv.lineItems.map(content)).toEqual(deal.lineItems.map(content));
    expect(inv.totals).toEqual({ ...deal.totals, amountPaid: 0, balanceDue: deal.totals.total });
    expect(inv).toMatchObject({ contacts: [contact], company, deals: [deal.id], quotes: [], owner: 'usr_me' });
  });

  test('records deleted since the deal named them are left out; body fields win', async () => {
    const [kept, gone] = [await seedContact(d, 'acc_1'), await seedContact(d, 'acc_1')];
    const deal = await newDeal({ name: 'D', contacts: [kept, gone], lineItems: LINES });
    await d.contacts.remove((await d.contacts.get('acc_1', gone))!);
    const inv = await createInvoiceFromRequest(d.deps, me, {
      from: { type: 'deal', id: deal.id },
      poNumber: 'PO-1',
      deals: [],
    });
    expect(inv).toMatchObject({ contacts: [kept], poNumber: 'PO-1', deals: [] });
  });

  test('another account’s deal is a 422 naming from.id', async () => {
    const deal = await newDeal({ name: 'D' });
    const e = await domainError(
      createInvoiceFromRequest(d.deps, actorFor('acc_2'), { from: { type: 'deal', id: deal.id } }),
    );
    expect(e.code).toBe('validation');
    expect(e.errors.map((x) => x.path)).toEqual(['from.id']);
  });
});

describe('from a quote', () => {
  test('a draft quote is refused with 422 and nothing is created', async () => {
    const quote = await newQuote({ title: 'Q', lineItems: LINES });
    const e = await domainError(createInvoiceFromRequest(d.deps, me, { from: { type: 'quote', id: quote.id } }));
    expect(e.code).toBe('validation');
    expect(e.errors).toEqual([{ path: 'from.id', message: expect.stringContaining('draft') }]);
    expect(d.invoices.invoices.size).toBe(0);
  });

  test('a published quote gives lines, contacts, company, comments, billing address; the quote records the invoice', async () => {
    const contact = await seedContact(d, 'acc_1');
    const company = await seedCompany(d, 'acc_1');
    const billingAddress = { line1: '1 Main St', city: 'Springfield', country: 'US' };
    const quote = await newQuote({
      title: 'Q',
      status: 'published',
      contacts: [contact],
      company,
      lineItems: LINES,
      comments: '<p>Hi<img src=x></p>',
      billingAddress,
    });
    expect(quote.comments).toBe('<p>Hi</p>');
    const inv = await createInvoiceFromRequest(d.deps, me, { from: { type: 'quote', id: quote.id }, currency: 'EUR' });
    expect(inv.lineItems.map(content)).toEqual(quote.lineItems.map(content));
    expect(inv).toMatchObject({
      contacts: [contact],
      company,
      comments: '<p>Hi</p>',
      billingAddress,
      quotes: [quote.id],
      currency: 'EUR',
    });
    expect((await d.quotes.get('acc_1', quote.id))!.invoices).toEqual([inv.id]);
  });
});

describe('product lines', () => {
  test('copy the product at that moment; a later price change reaches no invoice', async () => {
    const product = await newProduct({ name: 'Widget', description: 'Blue', unitPrice: 2_500, taxRate: 10 });
    const inv = await createInvoiceFromRequest(d.deps, me, { lineItems: [{ productId: product.id, quantity: 2 }] });
    expect(inv.lineItems[0]).toMatchObject({
      productId: product.id,
      name: 'Widget',
      description: 'Blue',
      unitPrice: 2_500,
      taxRate: 10,
      amount: 5_000,
    });
    await productsUc.update({ store: d.products, clock: d.clock, ids: d.ids }, me, product.id, { unitPrice: 1 });
    expect(await d.invoices.get('acc_1', inv.id)).toEqual(inv);
  });

  test('explicit fields win, null included; an unknown product is a 422 on its line', async () => {
    const product = await newProduct({ name: 'Widget', description: 'Blue', unitPrice: 2_500, taxRate: 10 });
    const inv = await createInvoiceFromRequest(d.deps, me, {
      lineItems: [{ productId: product.id, quantity: 1, unitPrice: 2_000, description: null, taxRate: null }],
    });
    expect(inv.lineItems[0]).toMatchObject({ name: 'Widget', unitPrice: 2_000, description: null, taxRate: null });
    const e = await domainError(
      updateInvoiceFromRequest(d.deps, me, inv.id, {
        lineItems: [
          { name: 'x', unitPrice: 1, quantity: 1 },
          { productId: 'prod_999999', quantity: 1 },
        ],
      }),
    );
    expect(e.errors.map((x) => x.path)).toEqual(['lineItems.1.productId']);
  });

  test('a copied price still has to exceed an amount discount', async () => {
    const product = await newProduct({ name: 'Cheap', unitPrice: 100 });
    const e = await domainError(
      createInvoiceFromRequest(d.deps, me, {
        lineItems: [{ productId: product.id, quantity: 1, discount: { type: 'amount', value: 500 } }],
      }),
    );
    expect(e.errors.map((x) => x.path)).toEqual(['lineItems.0.discount.value']);
  });
});

describe('associations', () => {
  test('a deal attaches to an open invoice; a contact does not', async () => {
    const contact = await seedContact(d, 'acc_1');
    const deal = await newDeal({ name: 'D' });
    const inv = await createInvoiceFromRequest(d.deps, me, {
      contacts: [contact],
      lineItems: [{ name: 'W', unitPrice: 1, quantity: 1 }],
    });
    await finalizeInvoice(d.deps, me, inv.id);
    expect((await associateRecord(d.deps, me, inv.id, 'deals', deal.id)).deals).toEqual([deal.id]);
    const other = await seedContact(d, 'acc_1');
    expect((await domainError(associateRecord(d.deps, me, inv.id, 'contacts', other))).code).toBe('conflict');
    expect((await domainError(associateRecord(d.deps, me, inv.id, 'quotes', 'quo_000999'))).code).toBe('not_found');
  });

  test('from a contact or company pre-associates it', async () => {
    const contact = await seedContact(d, 'acc_1');
    const company = await seedCompany(d, 'acc_1');
    expect((await createInvoiceFromRequest(d.deps, me, { from: { type: 'contact', id: contact } })).contacts).toEqual([
      contact,
    ]);
    expect((await createInvoiceFromRequest(d.deps, me, { from: { type: 'company', id: company } })).company).toBe(
      company,
    );
  });
});
