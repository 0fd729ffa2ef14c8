import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { einvoiceKey } from '../../../domain/stream/invoice-side-effects.js';
import { S3DocumentStore } from '../../../functions/s3/s3-document-store.js';
import { extractFacturx } from '../../../functions/pdf/factur-x.js';
import { fatalErrors, rulesPresent } from '../../support/einvoice-rules.js';
import { startStreamStack, type StreamStack } from '../../support/stream-stack.js';
import { until } from '../../support/until.js';
import { todayIn } from '../../../domain/dates/calendar.js';

/**
 * At finalization the stream stores the UBL beside the PDF (real stream poller, DynamoDB Local,
 * s3rver, Chromium), from the same image: its sha256 on the invoice and in the audit chain, and
 * `GET /audit/verify` stays ok. Changing the seller profile afterwards changes nothing stored.
 */
let s: StreamStack;
beforeAll(async () => {
  s = await startStreamStack('einvoice-stored');
});
afterAll(() => s?.close());

const SELLER = {
  legalName: 'Tulip Software B.V.',
  vatId: 'NL123456789B01',
  address: { line1: 'Keizersgracht 1', city: 'Amsterdam', postalCode: '1015 CC', country: 'NL' },
  bankAccount: { iban: 'NL91ABNA0417164300' },
};

test('the e-invoice is stored at finalization, hashed on the invoice and chained; the PDF is Factur-X; verify stays ok', async () => {
  // Issued before the seller profile exists: no e-invoice is stored for it, and its chain is unchanged.
  const before = (
    await s.api('POST', '/invoices', { contacts: [s.contactId], lineItems: [{ name: 'Old', unitPrice: 5_000 }] })
  ).body;
  await s.api('POST', `/invoices/${before.id}/finalize`);
  await until(
    'the earlier PDF',
    async () => (await s.api('GET', `/invoices/${before.id}`)).body.pdf.status === 'ready',
  );

  expect((await s.api('PUT', '/settings/invoices', { seller: SELLER, currency: 'EUR' })).status).toBe(200);
  const draft = (
    await s.api('POST', '/invoices', {
      contacts: [s.contactId],
      billingAddress: { line1: 'Friedrichstraße 10', city: 'Berlin', postalCode: '10117', country: 'DE' },
      lineItems: [
        { name: 'Seats', unitPrice: 1_999, quantity: 7, discount: { type: 'percent', value: 12.5 }, taxRate: 21 },
        { name: 'Books', unitPrice: 1_999, quantity: 3, taxRate: 9 },
      ],
    })
  ).body;
  const open = (await s.api('POST', `/invoices/${draft.id}/finalize`)).body;
  const ready = await until('the e-invoice mark and the PDF', async () => {
    const inv = (await s.api('GET', `/invoices/${draft.id}`)).body;
    return inv.einvoice?.status === 'ready' && inv.pdf.status === 'ready' && inv;
  });
  expect(ready.version).toBe(open.version); // a derived fact: no new version
  expect(ready.einvoice.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect((await s.api('GET', `/invoices/${before.id}`)).body.einvoice ?? null).toBeNull();

  const chain = await until('the e-invoice link', async () => {
    const c = (await s.api('GET', '/audit/chain?limit=100')).body.results as {
      entryType: string;
      documentId: string;
      sha256: string;
    }[];
    return c.some((e) => e.entryType === 'einvoice') && c.filter((e) => e.entryType === 'pdf').length === 2 && c;
  });
  const link = chain.find((e) => e.entryType === 'einvoice')!;
  expect(link).toMatchObject({ documentId: draft.id, sha256: ready.einvoice.sha256 });
  expect(chain.filter((e) => e.entryType === 'einvoice')).toHaveLength(1);
  expect((await s.api('GET', '/audit/verify')).body).toMatchObject({ ok: true, firstBreak: null });
  const history = (await s.api('GET', `/invoices/${draft.id}/history`)).body.results as {
    action: string;
    detail?: { sha256: string };
  }[];
  expect(history.filter((e) => e.action === 'einvoiceStored').map((e) => e.detail?.sha256)).toEqual([
    ready.einvoice.sha256,
  ]);

  // The stored bytes are the ones hashed, and the same document the API serves for the invoice.
  const bucket = new S3DocumentStore({ bucket: s.stack.s3.bucket, region: 'us-east-1', endpoint: s.stack.s3.endpoint });
  // The API does not show the account id; the PDF's object key (pdfs/{accountId}/…) carries it.
  const pdfUrl = new URL((await s.api('GET', `/invoices/${draft.id}/pdf`)).body.url);
  const accountId = decodeURIComponent(pdfUrl.pathname).split('/')[3]!;
  const stored = await bucket.get(einvoiceKey({ accountId, id: draft.id }));
  expect(stored).not.toBeNull();
  expect(createHash('sha256').update(stored!).digest('hex')).toBe(ready.einvoice.sha256);
  const xml = Buffer.from(stored!).toString('utf8');
  const served = (await s.api('GET', `/invoices/${draft.id}/e-invoice`)).body as string;
  expect(served).toBe(xml);
  expect(xml).toContain(`<cbc:TaxInclusiveAmount currencyID="EUR">${(ready.totals.total / 100).toFixed(2)}<`);
  if (rulesPresent) expect(await fatalErrors(xml, 'EN16931-UBL')).toEqual([]);

  // The PDF is a Factur-X hybrid: PDF/A-3 identification, the Factur-X XMP schema, an sRGB output
  // intent, and the CII embedded as factur-x.xml, which passes EN 16931 and carries the same totals.
  const pdfBytes = new Uint8Array(await (await fetch(pdfUrl)).arrayBuffer());
  const pdfText = Buffer.from(pdfBytes).toString('latin1');
  expect(pdfText).toContain('<pdfaid:part>3</pdfaid:part>');
  expect(pdfText).toContain('<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>');
  expect(pdfText).toContain('/OutputIntents');
  expect(pdfText).toContain('/AFRelationship /Data');
  const embedded = await extractFacturx(pdfBytes);
  expect(embedded).not.toBeNull();
  expect(embedded).toContain(`<ram:GrandTotalAmount>${(ready.totals.total / 100).toFixed(2)}</ram:GrandTotalAmount>`);
  if (rulesPresent) expect(await fatalErrors(embedded!, 'EN16931-CII')).toEqual([]);
  // An invoice issued before the seller profile existed keeps a plain PDF.
  const plainUrl = (await s.api('GET', `/invoices/${before.id}/pdf`)).body.url;
  expect(await extractFacturx(new Uint8Array(await (await fetch(plainUrl)).arrayBuffer()))).toBeNull();

  // A later profile change reaches neither the stored file nor the issued invoice's XML.
  await s.api('PUT', '/settings/invoices', { seller: { ...SELLER, legalName: 'Renamed B.V.' } });
  const again = (await s.api('GET', `/invoices/${draft.id}/e-invoice`)).body as string;
  expect(again).toBe(xml);
  expect((await s.api('GET', '/audit/verify')).body.ok).toBe(true);
});

test('an invoice a recurring run issues open carries the parties and gets its stored e-invoice too', async () => {
  await s.api('PUT', '/settings/invoices', { seller: SELLER, currency: 'EUR' });
  const company = (
    await s.api('POST', '/companies', {
      name: 'Brandt GmbH',
      vatId: 'DE136695976',
      address: { line1: 'Friedrichstraße 10', city: 'Berlin', postalCode: '10117', country: 'DE' },
    })
  ).body;
  const today = todayIn('America/New_York', new Date());
  const created = await s.api('POST', '/recurring-invoices', {
    name: 'Monthly hosting',
    invoice: {
      contacts: [s.contactId],
      company: company.id,
      lineItems: [{ name: 'Hosting', unitPrice: 4_999, taxRate: 21 }],
      paymentTerms: 'net30',
    },
    schedule: { interval: 'month', startDate: today },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const { handler } = await import('../../../functions/jobs/recurring.handler.js');
  expect(await handler({ scheduledTime: new Date().toISOString() })).toMatchObject({ issued: 1, failed: 0 });
  const invoiceId = (await s.api('GET', `/recurring-invoices/${created.body.id}/invoices`)).body.results[0].id;
  const issuedInvoice = await until('the recurring invoice e-invoice', async () => {
    const inv = (await s.api('GET', `/invoices/${invoiceId}`)).body;
    return inv.einvoice?.status === 'ready' && inv;
  });
  expect(issuedInvoice.seller.legalName).toBe(SELLER.legalName);
  expect(issuedInvoice.buyer).toMatchObject({ name: 'Brandt GmbH', vatId: 'DE136695976' });
  const xml = (await s.api('GET', `/invoices/${invoiceId}/e-invoice`)).body as string;
  expect(xml).toContain('<cbc:CompanyID>DE136695976</cbc:CompanyID>');
  if (rulesPresent) expect(await fatalErrors(xml, 'EN16931-UBL')).toEqual([]);
});
