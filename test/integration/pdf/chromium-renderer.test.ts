import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { invoiceDocuments } from '../../../domain/documents/invoice-documents.js';
import { loadInvoiceTemplate } from '../../../domain/documents/invoice-template.js';
import type { Invoice } from '../../../domain/invoices/invoice.js';
import { ChromiumPdfRenderer, launchChromium } from '../../../functions/pdf/chromium-renderer.js';
import { parsePdf } from '../../support/pdf-text.js';
import { until } from '../../support/until.js';
import { sampleCompany, sampleContact, sampleInvoice } from '../../support/sample-invoice.js';

// One browser for the file, counted, so the tests can see it is reused and relaunched.
const launched: Browser[] = [];
const renderer = new ChromiumPdfRenderer(async () => {
  const browser = await launchChromium();
  launched.push(browser);
  return browser;
});
afterAll(() => renderer.close());

const parties = { contacts: [sampleContact()], company: sampleCompany() };
const pdfOf = async (invoice: Invoice) =>
  renderer.render(invoiceDocuments.html(invoice, parties), { format: invoiceDocuments.format(invoice) });

let first: Uint8Array;
beforeAll(async () => {
  // As the stream function does before its first batch: the template's libraries load on first use.
  await loadInvoiceTemplate();
  first = await pdfOf(sampleInvoice());
}, 60_000);

test('an en-US invoice: a real PDF with the number, the total in US format and the buyer’s name, on Letter paper', async () => {
  expect(Buffer.from(first.subarray(0, 5)).toString()).toBe('%PDF-');
  const pdf = await parsePdf(first);
  expect(pdf.text).toContain('INV-1001');
  expect(pdf.text).toContain('$1,325.73');
  expect(pdf.text).toContain('Ada Lovelace');
  expect(pdf.text).toContain('Analytical Engines B.V.');
  // Letter is 8.5 × 11 in = 612 × 792 pt.
  expect(pdf.size.width).toBeCloseTo(612, 0);
  expect(pdf.size.height).toBeCloseTo(792, 0);
});

test('a tagged PDF, as page.pdf() makes it: marked content with a structure tree for screen readers', () => {
  const raw = Buffer.from(first).toString('latin1');
  expect(raw).toMatch(/\/MarkInfo <<[^>]*\/Marked true/);
  expect(raw).toMatch(/\/StructTreeRoot \d+ 0 R/);
});

test('an nl-NL invoice in Dutch: Dutch labels and € 1.234,56-style amounts, on A4', async () => {
  const pdf = await parsePdf(await pdfOf(sampleInvoice({ language: 'nl', locale: 'nl-NL', currency: 'EUR' })));
  // Section headings are set in capitals by the stylesheet, so labels are compared without case.
  for (const label of [
    'Factuur',
    'Factuur aan',
    'Factuurdatum',
    'Vervaldatum',
    'Inkoopordernummer',
    'Subtotaal',
    'Totaal',
    'Openstaand bedrag',
    'Betaalmethoden',
  ]) {
    expect(pdf.text.toLowerCase()).toContain(label.toLowerCase());
  }
  expect(pdf.text).toContain('€ 1.325,73');
  expect(pdf.text).toContain('€ 1.351,84');
  expect(pdf.text).toContain('27 november 2026');
  expect(pdf.text).toContain('Ada Lovelace');
  // A4 is 210 × 297 mm ≈ 595 × 842 pt.
  expect(pdf.size.width).toBeCloseTo(595.3, -1);
  expect(pdf.size.height).toBeCloseTo(841.9, -1);
});

test('a paid invoice’s PDF carries the PAID mark; a voided one VOID (in its language)', async () => {
  expect((await parsePdf(await pdfOf(sampleInvoice({ status: 'paid' })))).text).toMatch(/\bPAID\b/);
  expect(
    (await parsePdf(await pdfOf(sampleInvoice({ status: 'voided', language: 'de', locale: 'de-DE', currency: 'EUR' }))))
      .text,
  ).toMatch(/\bSTORNIERT\b/);
});

test('one browser serves every render, and its pages are reused: two renders at once, twice, open two pages', async () => {
  const browser = launched.at(-1)!;
  let opened = 0;
  const count = () => opened++;
  browser.on('targetcreated', count);
  try {
    await Promise.all([pdfOf(sampleInvoice()), pdfOf(sampleInvoice({ language: 'fr', locale: 'fr-FR' }))]);
    const afterFirst = opened;
    await Promise.all([pdfOf(sampleInvoice()), pdfOf(sampleInvoice({ language: 'de', locale: 'de-DE' }))]);
    expect(opened).toBe(afterFirst);
    expect(opened).toBeLessThanOrEqual(2);
  } finally {
    browser.off('targetcreated', count);
  }
  expect(launched).toHaveLength(1);
});

test('a reused page keeps nothing of the invoice before: A (three pages) then B (one) on the same page', async () => {
  const browser = launched.at(-1)!;
  let opened = 0;
  const count = () => opened++;
  const lines = Array.from({ length: 90 }, (_, i) => ({
    ...sampleInvoice().lineItems[0]!,
    id: `li_a${i}`,
    name: `Zanzibar consulting ${i}`,
  }));
  const a = sampleInvoice({ number: 'INV-AAAA', poNumber: 'PO-ALPHA', lineItems: lines });
  const b = sampleInvoice({ number: 'INV-BBBB', poNumber: 'PO-BRAVO' });
  browser.on('targetcreated', count);
  try {
    const pdfA = await parsePdf(await pdfOf(a));
    const pdfB = await parsePdf(await pdfOf(b));
    // Rendered on pages the earlier tests left open: no page was opened for either.
    expect(opened).toBe(0);
    expect(pdfA.pages).toBeGreaterThanOrEqual(3);
    expect(pdfA.text).toContain('Zanzibar consulting 89');
    expect(pdfB.pages).toBe(1);
    expect(pdfB.text).toContain('INV-BBBB');
    for (const ofA of ['INV-AAAA', 'PO-ALPHA', 'Zanzibar']) expect(pdfB.text).not.toContain(ofA);
  } finally {
    browser.off('targetcreated', count);
  }
});

test('four renders at once, twice, on the reused pages (a renderer batch): each PDF holds its own invoice and nothing of another', async () => {
  const browser = launched.at(-1)!;
  let opened = 0;
  const count = () => opened++;
  const invoice = (round: number, i: number) =>
    sampleInvoice({
      number: `INV-R${round}X${i}`,
      poNumber: `PO-R${round}X${i}`,
      // Different lengths, so the renders finish out of order and a page is taken back at a different time.
      lineItems: Array.from({ length: 1 + i * 25 }, (_, j) => ({
        ...sampleInvoice().lineItems[0]!,
        id: `li_${round}_${i}_${j}`,
        name: `Quokka R${round}X${i} line ${j}`,
      })),
    });
  browser.on('targetcreated', count);
  try {
    for (const round of [1, 2]) {
      const pdfs = await Promise.all([0, 1, 2, 3].map(async (i) => parsePdf(await pdfOf(invoice(round, i)))));
      for (const [i, pdf] of pdfs.entries()) {
        expect(pdf.text).toContain(`INV-R${round}X${i}`);
        expect(pdf.text).toContain(`Quokka R${round}X${i} line ${i * 25}`);
        for (const r of [1, 2])
          for (const j of [0, 1, 2, 3]) {
            if (r === round && j === i) continue;
            expect(pdf.text).not.toContain(`R${r}X${j}`);
          }
      }
    }
    // At most the pool's four pages were ever open: the second round reused the first's.
    expect(opened).toBeLessThanOrEqual(4);
  } finally {
    browser.off('targetcreated', count);
  }
});

test('a browser that crashed is launched again on the next render', async () => {
  const before = launched.length;
  const browser = launched.at(-1)!;
  browser.process()!.kill('SIGKILL');
  await until('the killed browser to disconnect', async () => !browser.connected);
  const pdf = await parsePdf(await pdfOf(sampleInvoice()));
  expect(pdf.text).toContain('INV-1001');
  expect(launched.length).toBe(before + 1);
});

test('a browser that dies during a render fails that render at once, not after the 30 s render timeout', async () => {
  await pdfOf(sampleInvoice()); // a browser is up, with a page to reuse
  const browser = launched.at(-1)!;
  // Killed the moment the render's document is parsed (on a reused page) or its page opens (a new
  // one), so the render is in flight when the browser dies.
  const kill = () => browser.process()?.kill('SIGKILL');
  for (const page of await browser.pages()) page.once('domcontentloaded', kill);
  browser.once('targetcreated', kill);
  const t0 = Date.now();
  await expect(pdfOf(sampleInvoice())).rejects.toThrow();
  expect(Date.now() - t0).toBeLessThan(10_000);
  // And the next render gets a new browser.
  expect((await parsePdf(await pdfOf(sampleInvoice()))).text).toContain('INV-1001');
});

test('a binary whose unpack was cut short is unpacked again at the next launch, not used for good', () => {
  // Its own process and temporary folder: the run's unpacked Chromium stays as it is.
  const tmp = mkdtempSync(join(tmpdir(), 'cut-unpack-'));
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', resolve(import.meta.dirname, '../../support/launch-after-cut-unpack.ts')],
    { env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8', timeout: 120_000 },
  );
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout.trim()).toBe('%PDF-');
  expect(statSync(join(tmp, 'chromium')).size).toBeGreaterThan(50_000_000);
}, 150_000);
