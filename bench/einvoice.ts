/**
 * What e-invoices cost, beside floors measured in the same run.
 *
 * 1. UBL generation per second (the EN 16931 document from the invoice, then UBL 2.1 XML through
 *    xmlbuilder2) for a 3-line and a 60-line invoice, against serializing the same invoice to JSON
 *    (`JSON.stringify`, the floor: what the API already does with it). The ratio is UBL/s ÷ JSON/s.
 * 2. The time Factur-X adds to a PDF: the stream's render (shared template, Chromium page.pdf) with
 *    and without embedding the CII as a PDF/A-3 hybrid (@cantoo/pdf-lib), one browser, one at a
 *    time, phases alternating over rounds; medians reported, and added ms per PDF.
 *
 * Checks (exit 1 if one fails): the UBL's payable amount is the invoice's balance due, and the CII
 * read back out of every hybrid is the CII embedded.
 *
 * Env: BENCH_N (iterations per phase, default 2000 for XML and 10 for PDFs), BENCH_ROUNDS (default 3).
 */
import { performance } from 'node:perf_hooks';
import { invoiceDocuments } from '../domain/documents/invoice-documents.js';
import { loadInvoiceTemplate } from '../domain/documents/invoice-template.js';
import { invoiceEinvoice } from '../domain/einvoice/einvoice-document.js';
import { toCii } from '../domain/einvoice/cii.js';
import { toUbl } from '../domain/einvoice/ubl.js';
import { embedFacturx, extractFacturx } from '../functions/pdf/factur-x.js';
import { issued, MATRIX } from '../test/support/einvoice-fixtures.js';
import { sampleCompany, sampleContact } from '../test/support/sample-invoice.js';

const N_XML = Number(process.env.BENCH_N ?? 2000);
const N_PDF = Number(process.env.BENCH_N ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const problems: string[] = [];

function perSecond(n: number, fn: () => unknown): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) fn();
  return (n / (performance.now() - start)) * 1000;
}

function xmlBench() {
  for (const c of [MATRIX[2]!, MATRIX.find((m) => m.name === '60 lines')!]) {
    const invoice = issued(c);
    const ubl = toUbl(invoiceEinvoice(invoice, { contactName: null }));
    const payable = (invoice.totals.balanceDue / 100).toFixed(2);
    if (!ubl.includes(`<cbc:PayableAmount currencyID="EUR">${payable}</cbc:PayableAmount>`))
      problems.push(`${c.name}: the UBL's payable amount is not the balance due`);
    perSecond(200, () => toUbl(invoiceEinvoice(invoice, { contactName: null }))); // warm up
    const ratios: number[] = [];
    const ublRates: number[] = [];
    const jsonRates: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const json = perSecond(N_XML, () => JSON.stringify(invoice));
      const gen = perSecond(N_XML, () => toUbl(invoiceEinvoice(invoice, { contactName: null })));
      jsonRates.push(json);
      ublRates.push(gen);
      ratios.push(gen / json);
    }
    console.log(
      `UBL, ${invoice.lineItems.length} lines: ${median(ublRates).toFixed(0)}/s; floor JSON.stringify ${median(jsonRates).toFixed(0)}/s; ratio ${median(ratios).toFixed(4)} (${(1000 / median(ublRates)).toFixed(3)} ms per UBL)`,
    );
  }
}

async function pdfBench() {
  await loadInvoiceTemplate();
  const { ChromiumPdfRenderer, launchChromium } = await import('../functions/pdf/chromium-renderer.js');
  const browser = await launchChromium();
  const renderer = new ChromiumPdfRenderer(async () => browser);
  try {
    const invoice = issued(MATRIX[1]!);
    const html = invoiceDocuments.html(invoice, { contacts: [sampleContact()], company: sampleCompany() });
    const cii = toCii(invoiceEinvoice(invoice, { contactName: null }));
    const meta = { title: `Invoice ${invoice.number}`, author: invoice.seller!.legalName, createdAt: new Date() };
    await renderer.render(html, { format: 'A4' }); // warm up the browser
    const plainMs: number[] = [];
    const hybridMs: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      let start = performance.now();
      for (let i = 0; i < N_PDF; i++) await renderer.render(html, { format: 'A4' });
      plainMs.push((performance.now() - start) / N_PDF);
      start = performance.now();
      for (let i = 0; i < N_PDF; i++) {
        const pdf = await embedFacturx(await renderer.render(html, { format: 'A4' }), cii, meta);
        if (i === 0 && (await extractFacturx(pdf)) !== cii) problems.push('the CII read back differs');
      }
      hybridMs.push((performance.now() - start) / N_PDF);
    }
    const plain = median(plainMs);
    const hybrid = median(hybridMs);
    console.log(
      `PDF: plain ${plain.toFixed(1)} ms; Factur-X ${hybrid.toFixed(1)} ms; added ${(hybrid - plain).toFixed(1)} ms per PDF; ratio plain/Factur-X ${(plain / hybrid).toFixed(3)}`,
    );
  } finally {
    await renderer.close();
    await browser.close().catch(() => undefined);
  }
}

xmlBench();
await pdfBench();
if (problems.length) {
  console.error(`BENCHMARK FAILED:\n${problems.join('\n')}`);
  process.exit(1);
}
