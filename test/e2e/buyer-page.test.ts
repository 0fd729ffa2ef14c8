import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Company, Contact } from '../../domain/crm/records.js';
import { invoiceDocuments } from '../../domain/documents/invoice-documents.js';
import { loadInvoiceTemplate } from '../../domain/documents/invoice-template.js';
import type { Invoice } from '../../domain/invoices/invoice.js';
import { documentClient } from '../../functions/dynamodb/client.js';
import { DynamoInvoiceStore } from '../../functions/dynamodb/invoice-store.js';
import { DynamoPdfRecordStore } from '../../functions/dynamodb/pdf-record-store.js';
import { DynamoInvoicePdfState } from '../../functions/dynamodb/published-events.js';
import { DynamoRecordStore } from '../../functions/dynamodb/record-store.js';
import { ChromiumPdfRenderer, launchChromium } from '../../functions/pdf/chromium-renderer.js';
import { S3DocumentStore } from '../../functions/s3/s3-document-store.js';
import { client, startStack, uniqueAccount, type Stack } from '../support/local-stack.js';

const OUTPUT = resolve(import.meta.dirname, '../../test-output');

let stack: Stack;
let browser: Browser;
let invoice: Invoice;
let sha256: string;

/**
 * What the stream handler does on finalize, done here by hand with the same adapters: render the
 * PDF from the shared template, put it in S3 under its key, record it and mark the invoice ready.
 */
async function renderAndStore(inv: Invoice, renderer: ChromiumPdfRenderer): Promise<string> {
  const db = documentClient({ tableName: stack.tableName, endpoint: stack.endpoint, region: 'us-east-1' });
  const contacts = new DynamoRecordStore<Contact>(db, stack.tableName, 'contact');
  const companies = new DynamoRecordStore<Company>(db, stack.tableName, 'company');
  const parties = {
    contacts: (await Promise.all(inv.contacts.map((id) => contacts.get(inv.accountId, id)))).filter(
      (c): c is Contact => c !== null,
    ),
    company: inv.company ? await companies.get(inv.accountId, inv.company) : null,
  };
  const pdf = await renderer.render(invoiceDocuments.html(inv, parties), { format: invoiceDocuments.format(inv) });
  const hash = createHash('sha256').update(pdf).digest('hex');
  const key = invoiceDocuments.key(inv);
  await new S3DocumentStore({ bucket: stack.s3.bucket, region: 'us-east-1', endpoint: stack.s3.endpoint }).put(
    key,
    pdf,
    'application/pdf',
  );
  await new DynamoPdfRecordStore(db, stack.tableName).put(inv.accountId, inv.id, {
    key,
    sha256: hash,
    status: inv.status,
    version: inv.version,
  });
  await new DynamoInvoicePdfState(db, stack.tableName).markReady(inv, hash);
  return hash;
}

beforeAll(async () => {
  await loadInvoiceTemplate();
  stack = await startStack();
  // One browser for the file: it renders the PDF and then plays the buyer.
  browser = await launchChromium();
  const accountId = uniqueAccount();
  const api = client(stack.baseUrl, await stack.token(accountId));
  const contact = (
    await api('POST', '/contacts', { firstName: 'Anna', lastName: 'de Vries', email: 'anna@voorbeeld.nl' })
  ).body;
  const company = (
    await api('POST', '/companies', {
      name: 'Grachtenwerk B.V.',
      address: { line1: 'Keizersgracht 123', city: 'Amsterdam', postalCode: '1015 CJ', country: 'NL' },
    })
  ).body;
  const draft = (
    await api('POST', '/invoices', {
      contacts: [contact.id],
      company: company.id,
      currency: 'EUR',
      language: 'nl',
      locale: 'nl-NL',
      poNumber: 'PO-2026-117',
      lineItems: [{ name: 'Ontwerp en bouw', description: 'Sprint 1 en 2', quantity: 2, unitPrice: 61_728 }],
      comments: '<p>Bedankt voor de <b>opdracht</b>.</p>',
    })
  ).body;
  expect((await api('POST', `/invoices/${draft.id}/finalize`)).status).toBe(200);
  const db = documentClient({ tableName: stack.tableName, endpoint: stack.endpoint, region: 'us-east-1' });
  invoice = (await new DynamoInvoiceStore(db, stack.tableName).get(accountId, draft.id))!;
  sha256 = await renderAndStore(invoice, new ChromiumPdfRenderer(async () => browser));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

test('the buyer page in a real browser shows the invoice, and its Download PDF link serves the stored PDF', async () => {
  const page = await browser.newPage();
  await page.setViewport({ width: 1000, height: 1200 });
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  const res = await page.goto(`${stack.baseUrl}/i/${invoice.slug}`, { waitUntil: 'load' });
  expect(res!.status()).toBe(200);
  expect(res!.headers()['content-security-policy']).toContain("default-src 'none'");

  // (Expressions as strings: this project compiles without the DOM library.)
  const visible = ((await page.evaluate('document.body.innerText')) as string).replace(/[\u00a0\u202f]/g, ' ');
  expect(visible).toContain(invoice.number!);
  expect(visible).toContain('€ 1.234,56'); // the total, 2 × € 617,28, in nl-NL
  expect(visible).toContain('Anna de Vries');
  expect(visible).toContain('Openstaand bedrag');
  // The stylesheet applied under the CSP (the header's hash matches the style block), and nothing was refused.
  expect(await page.evaluate("getComputedStyle(document.querySelector('header')).display")).toBe('flex');
  expect(violations).toEqual([]);

  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: resolve(OUTPUT, 'buyer-page.png'), fullPage: true });

  const href = (await page.evaluate("document.querySelector('a.download').href")) as string;
  expect(await page.$eval('a.download', (a) => a.textContent)).toBe('PDF downloaden');
  expect(href).toBe(`${stack.baseUrl}/i/${invoice.slug}/pdf`);
  await page.close();

  // The link redirects to a fresh signed S3 link; following it yields the very PDF that was stored.
  const redirect = await fetch(href, { redirect: 'manual' });
  expect(redirect.status).toBe(302);
  const location = redirect.headers.get('location')!;
  expect(new URL(location).searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  const pdf = await fetch(location);
  expect(pdf.status).toBe(200);
  expect(pdf.headers.get('content-type')).toBe('application/pdf');
  const bytes = new Uint8Array(await pdf.arrayBuffer());
  expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha256);

  // And the invoice says so.
  const api = client(stack.baseUrl, await stack.token(invoice.accountId));
  expect((await api('GET', `/invoices/${invoice.id}`)).body.pdf).toEqual({ status: 'ready', sha256 });
});
