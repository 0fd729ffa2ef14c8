import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fatalErrors, rulesPresent } from '../../support/einvoice-rules.js';
import { client, startStack, uniqueAccount, type Stack } from '../../support/local-stack.js';

/**
 * The e-invoice contract over real HTTP, DynamoDB Local and the real handlers: the seller profile
 * and the buyer's identifiers with their validation, line tax categories, the XML routes (409 for
 * drafts, 422 naming field and rule), and the XML's amounts equal to the API's totals.
 */
let stack: Stack;
let api: ReturnType<typeof client>;
let contactId: string;
let companyId: string;

const SELLER = {
  legalName: 'Tulip Software B.V.',
  vatId: 'NL123456789B01',
  legalRegistrationId: { id: '12345678', scheme: '0106' },
  address: { line1: 'Keizersgracht 1', city: 'Amsterdam', postalCode: '1015 CC', country: 'NL' },
  contact: { email: 'billing@tulip.example' },
  electronicAddress: { scheme: '0106', id: '12345678' },
  bankAccount: { iban: 'NL91 ABNA 0417 1643 00', bic: 'ABNANL2A' },
};

beforeAll(async () => {
  stack = await startStack();
  api = client(stack.baseUrl, await stack.token(uniqueAccount()));
  contactId = (await api('POST', '/contacts', { firstName: 'Ada', lastName: 'Brandt', email: 'ada@example.com' })).body
    .id;
  const company = await api('POST', '/companies', {
    name: 'Brandt GmbH',
    address: { line1: 'Friedrichstraße 10', city: 'Berlin', postalCode: '10117', country: 'DE' },
    vatId: 'DE 136 695 976',
    electronicAddress: { scheme: '9930', id: 'DE136695976' },
  });
  expect(company.status).toBe(201);
  expect(company.body.vatId).toBe('DE136695976');
  companyId = company.body.id;
});
afterAll(async () => stack?.close());

const paths = (res: { body: { errors?: { path: string; message: string }[] } }) =>
  (res.body.errors ?? []).map((e) => e.path);

describe('validation of the seller profile, the buyer and the lines', () => {
  test.each([
    ['a VAT id off its country pattern', { ...SELLER, vatId: 'DE12345' }, 'seller.vatId'],
    [
      'an unknown EAS scheme',
      { ...SELLER, electronicAddress: { scheme: '1234', id: 'x' } },
      'seller.electronicAddress.scheme',
    ],
    [
      'an IBAN with a bad checksum',
      { ...SELLER, bankAccount: { iban: 'NL92ABNA0417164300' } },
      'seller.bankAccount.iban',
    ],
    ['no legal name', { ...SELLER, legalName: '' }, 'seller.legalName'],
  ])('%s is 422 naming the field', async (_what, seller, path) => {
    const res = await api('PUT', '/settings/invoices', { seller });
    expect(res.status).toBe(422);
    expect(paths(res)).toContain(path);
  });

  test('a company with a bad VAT id is 422 naming vatId', async () => {
    const res = await api('POST', '/companies', { name: 'X', vatId: 'FR12' });
    expect(res.status).toBe(422);
    expect(paths(res)).toContain('vatId');
  });

  test.each([
    ['exempt without a reason', { taxCategory: 'E' }, 'lineItems.0.taxExemptionReason'],
    ['standard rate without a rate', { taxCategory: 'S' }, 'lineItems.0.taxRate'],
    ['zero rated with a rate', { taxCategory: 'Z', taxRate: 21 }, 'lineItems.0.taxRate'],
    ['an unknown unit code', { unitCode: 'hours' }, 'lineItems.0.unitCode'],
  ])('a line %s is 422 naming the field', async (_what, line, path) => {
    const res = await api('POST', '/invoices', { lineItems: [{ name: 'Work', unitPrice: 100, ...line }] });
    expect(res.status).toBe(422);
    expect(paths(res)).toContain(path);
  });

  test('reverse charge without the buyer VAT id is 422 at finalization (company.vatId)', async () => {
    const plain = (await api('POST', '/companies', { name: 'No VAT Ltd' })).body.id;
    const draft = await api('POST', '/invoices', {
      contacts: [contactId],
      company: plain,
      lineItems: [{ name: 'Install', unitPrice: 1000, taxCategory: 'AE', taxExemptionReasonCode: 'VATEX-EU-AE' }],
    });
    expect(draft.status).toBe(201);
    expect(draft.body.lineItems[0]).toMatchObject({ taxCategory: 'AE', unitCode: 'C62', taxAmount: 0 });
    const res = await api('POST', `/invoices/${draft.body.id}/finalize`);
    expect(res.status).toBe(422);
    expect(paths(res)).toContain('company.vatId');
  });
});

describe('GET /invoices/{id}/e-invoice', () => {
  test('a draft is 409; a missing seller profile is 422 naming the field and rule', async () => {
    const draft = await api('POST', '/invoices', {
      contacts: [contactId],
      company: companyId,
      lineItems: [{ name: 'Work', unitPrice: 1000, taxRate: 21 }],
    });
    expect((await api('GET', `/invoices/${draft.body.id}/e-invoice`)).status).toBe(409);
    await api('POST', `/invoices/${draft.body.id}/finalize`);
    const res = await api('GET', `/invoices/${draft.body.id}/e-invoice`);
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ path: 'seller' });
    expect(res.body.errors[0].message).toContain('BR-06');
  });

  test('with the seller profile: UBL and CII whose amounts are the API totals; a credit note refers to its invoice', async () => {
    const put = await api('PUT', '/settings/invoices', { seller: SELLER, currency: 'EUR' });
    expect(put.status).toBe(200);
    expect(put.body.seller.bankAccount.iban).toBe('NL91ABNA0417164300');
    const draft = await api('POST', '/invoices', {
      contacts: [contactId],
      company: companyId,
      buyerReference: 'LEITWEG-991-12345',
      poNumber: 'PO-7',
      lineItems: [
        { name: 'Seats', unitPrice: 1999, quantity: 7, discount: { type: 'percent', value: 12.5 }, taxRate: 21 },
        { name: 'Books', unitPrice: 1999, quantity: 3, taxRate: 9 },
        { name: 'Hours', unitPrice: 9750, quantity: 2.75, unitCode: 'HUR', taxRate: 21 },
      ],
    });
    expect(draft.status).toBe(201);
    const open = (await api('POST', `/invoices/${draft.body.id}/finalize`)).body;
    expect(open.seller.legalName).toBe('Tulip Software B.V.');
    expect(open.buyer).toMatchObject({ name: 'Brandt GmbH', vatId: 'DE136695976' });
    const t = open.totals;
    const eur = (n: number) => (n / 100).toFixed(2);

    const ubl = await api('GET', `/invoices/${open.id}/e-invoice`);
    expect(ubl.status).toBe(200);
    expect(ubl.headers.get('content-type')).toContain('application/xml');
    const xml = ubl.body as string;
    expect(xml).toContain('<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>');
    expect(xml).toContain(`<cbc:TaxInclusiveAmount currencyID="EUR">${eur(t.total)}</cbc:TaxInclusiveAmount>`);
    expect(xml).toMatch(new RegExp(`<cac:TaxTotal>\\s*<cbc:TaxAmount currencyID="EUR">${eur(t.tax)}<`));
    expect(xml).toContain(`<cbc:PayableAmount currencyID="EUR">${eur(t.balanceDue)}</cbc:PayableAmount>`);
    expect(xml).toContain('<cbc:BuyerReference>LEITWEG-991-12345</cbc:BuyerReference>');
    expect(xml).toContain('<cbc:ID>NL91ABNA0417164300</cbc:ID>');

    const cii = await api('GET', `/invoices/${open.id}/e-invoice?syntax=cii`);
    expect(cii.status).toBe(200);
    expect(cii.body).toContain(`<ram:GrandTotalAmount>${eur(t.total)}</ram:GrandTotalAmount>`);
    expect((await api('GET', `/invoices/${open.id}/e-invoice?syntax=pdf`)).status).toBeGreaterThanOrEqual(400);

    const cn = await api('POST', `/invoices/${open.id}/credit-notes`, {
      lines: [{ lineItemId: open.lineItems[1].id }],
      reason: 'Returned',
    });
    expect(cn.status).toBe(201);
    const cnXml = await api('GET', `/credit-notes/${cn.body.id}/e-invoice`);
    expect(cnXml.status).toBe(200);
    expect(cnXml.body).toContain('<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>');
    expect(cnXml.body).toMatch(new RegExp(`<cac:InvoiceDocumentReference>\\s*<cbc:ID>${open.number}</cbc:ID>`));

    if (rulesPresent) {
      expect(await fatalErrors(xml, 'EN16931-UBL')).toEqual([]);
      expect(await fatalErrors(xml, 'PEPPOL-UBL')).toEqual([]);
      expect(await fatalErrors(cii.body as string, 'EN16931-CII')).toEqual([]);
      expect(await fatalErrors(cnXml.body as string, 'EN16931-UBL')).toEqual([]);
      expect(await fatalErrors(cnXml.body as string, 'PEPPOL-UBL')).toEqual([]);
    }

    // The seller changes its profile: the issued invoice keeps the seller it was issued by.
    await api('PUT', '/settings/invoices', { seller: { ...SELLER, legalName: 'Tulip Holding B.V.' } });
    const again = await api('GET', `/invoices/${open.id}/e-invoice`);
    expect(again.body).toContain('Tulip Software B.V.');
    expect(again.body).not.toContain('Tulip Holding');
  });

  test("another account's invoice is 404", async () => {
    const other = client(stack.baseUrl, await stack.token(uniqueAccount()));
    const draft = await api('POST', '/invoices', { lineItems: [{ name: 'Work', unitPrice: 1000 }] });
    expect((await other('GET', `/invoices/${draft.body.id}/e-invoice`)).status).toBe(404);
  });
});
