import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import { describe, expect, test } from 'vitest';
import { embedFacturx, extractFacturx } from '../../../../functions/pdf/factur-x.js';
import { srgbIccProfile } from '../../../../functions/pdf/srgb-icc.js';

async function plainPdf(): Promise<Uint8Array> {
  const d = await PDFDocument.create();
  d.addPage().drawText('Invoice', { font: await d.embedFont(StandardFonts.Helvetica) });
  return d.save();
}
const meta = { title: 'Invoice INV-1 <&>', author: 'Tulip B.V.', createdAt: new Date('2026-11-27T10:00:00Z') };

describe('Factur-X embedding', () => {
  test('the XML comes back out byte for byte; the PDF/A-3 parts are there', async () => {
    const xml = '<?xml version="1.0"?><rsm:CrossIndustryInvoice>Müller &amp; Söhne</rsm:CrossIndustryInvoice>';
    const out = await embedFacturx(await plainPdf(), xml, meta);
    expect(await extractFacturx(out)).toBe(xml);
    const text = Buffer.from(out).toString('latin1');
    expect(text).toContain('/AFRelationship /Data');
    expect(text).toMatch(/\/AF \[/);
    expect(text).toContain('/GTS_PDFA1');
    expect(text).toContain('<pdfaid:part>3</pdfaid:part>');
    expect(text).toContain('<pdfaid:conformance>B</pdfaid:conformance>');
    expect(text).toContain('Invoice INV-1 &lt;&amp;&gt;');
    expect(text).toMatch(/\/ID \[ ?<[0-9A-Fa-f]{32}> <[0-9A-Fa-f]{32}> ?\]/);
    const doc = await PDFDocument.load(out);
    expect(doc.getPageCount()).toBe(1);
    expect(doc.getTitle()).toBe(meta.title);
  });

  test('the same input gives the same bytes (a replayed render stores the same file)', async () => {
    const pdf = await plainPdf();
    const a = await embedFacturx(pdf, '<x/>', meta);
    const b = await embedFacturx(pdf, '<x/>', meta);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  test('a PDF with no attachment has no Factur-X XML', async () => {
    expect(await extractFacturx(await plainPdf())).toBeNull();
  });

  test('the sRGB profile is a well-formed ICC v2 display profile', () => {
    const icc = Buffer.from(srgbIccProfile());
    expect(icc.readUInt32BE(0)).toBe(icc.length);
    expect(icc.toString('ascii', 36, 40)).toBe('acsp');
    expect(icc.toString('ascii', 12, 20)).toBe('mntrRGB ');
    const count = icc.readUInt32BE(128);
    const sigs = Array.from({ length: count }, (_, i) => icc.toString('ascii', 132 + i * 12, 136 + i * 12));
    expect(sigs).toEqual(['desc', 'cprt', 'wtpt', 'rXYZ', 'gXYZ', 'bXYZ', 'rTRC', 'gTRC', 'bTRC']);
    for (let i = 0; i < count; i++) {
      const offset = icc.readUInt32BE(136 + i * 12);
      const size = icc.readUInt32BE(140 + i * 12);
      expect(offset % 4).toBe(0);
      expect(offset + size).toBeLessThanOrEqual(icc.length);
    }
  });
});
