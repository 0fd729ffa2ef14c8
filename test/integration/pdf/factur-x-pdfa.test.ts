import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  decodePDFRawStream,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRawStream,
  PDFRef,
  PDFStream,
  PDFString,
} from '@cantoo/pdf-lib';
import { create } from 'xmlbuilder2';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { extractFacturx } from '../../../functions/pdf/factur-x.js';
import { pngLogo } from '../../support/logo-images.js';
import { startStreamStack, type StreamStack } from '../../support/stream-stack.js';
import { until } from '../../support/until.js';

/**
 * The Factur-X PDF the stream stores (real Chromium, the real stream handler, s3rver), held to the
 * PDF/A-3 and Factur-X rules that can be checked without veraPDF (which needs Java and is not on
 * npm): the XMP identification and the Factur-X extension schema, the Info dictionary agreeing
 * with the XMP, an sRGB output intent with its ICC profile, every font embedded, the attachment's
 * relationship and the catalog's /AF, no encryption, a file identifier, no JavaScript or other
 * actions, printable annotations, no forbidden filters or external streams. What only a full
 * validator checks (glyph widths against the font programs, every content stream operator, ICC
 * profile internals beyond the header) is not claimed here.
 */
let s: StreamStack;
let pdf: Uint8Array;
let doc: PDFDocument;
const OUTPUT = resolve(import.meta.dirname, '../../../test-output');

beforeAll(async () => {
  s = await startStreamStack('factur-x-pdfa');
  const seller = {
    legalName: 'Tulip Software B.V.',
    vatId: 'NL123456789B01',
    address: { line1: 'Keizersgracht 1', city: 'Amsterdam', postalCode: '1015 CC', country: 'NL' },
    contact: { email: 'billing@tulip.example' },
    bankAccount: { iban: 'NL91ABNA0417164300', bic: 'ABNANL2A' },
  };
  expect((await s.api('PUT', '/settings/invoices', { seller, currency: 'EUR' })).status).toBe(200);
  // The seller's logo: the PDF then has an image XObject too.
  expect((await s.api('PUT', '/settings/invoices/logo', pngLogo(96, 32), { 'content-type': 'image/png' })).status).toBe(
    200,
  );
  const draft = (
    await s.api('POST', '/invoices', {
      contacts: [s.contactId],
      billingAddress: { line1: 'Friedrichstraße 10', city: 'Berlin', postalCode: '10117', country: 'DE' },
      comments: '<p>Danke für Ihren <b>Auftrag</b> — Zahlung binnen 14 Tagen.</p>',
      lineItems: [
        { name: 'Beratung', quantity: 2.5, unitPrice: 12_000, taxRate: 19 },
        { name: 'Bücher', unitPrice: 1_999, taxRate: 7 },
      ],
    })
  ).body;
  expect((await s.api('POST', `/invoices/${draft.id}/finalize`)).status).toBe(200);
  await until('the PDF', async () => (await s.api('GET', `/invoices/${draft.id}`)).body.pdf.status === 'ready');
  const link = (await s.api('GET', `/invoices/${draft.id}/pdf`)).body.url as string;
  pdf = new Uint8Array(await (await fetch(link)).arrayBuffer());
  // Kept for a look by hand (pdffonts, pdfinfo -meta, qpdf --check; veraPDF where there is one).
  mkdirSync(OUTPUT, { recursive: true });
  writeFileSync(resolve(OUTPUT, 'factur-x-pdfa.pdf'), pdf);
  doc = await PDFDocument.load(pdf, { updateMetadata: false });
}, 120_000);
afterAll(() => s?.close());

const text = (o: unknown): string => {
  if (o instanceof PDFString || o instanceof PDFHexString) return o.decodeText();
  throw new Error(`not a string: ${String(o)}`);
};
const streamText = (stream: PDFRawStream) => new TextDecoder().decode(decodePDFRawStream(stream).decode());
const xmp = () => {
  const stream = doc.catalog.lookup(PDFName.of('Metadata')) as PDFRawStream;
  return { stream, xml: new TextDecoder().decode(stream.contents) };
};
/** One property's value in the XMP, by its qualified name (each appears once). */
const xmpValue = (xml: string, qname: string) => {
  const found = [...xml.matchAll(new RegExp(`<${qname}>([\\s\\S]*?)</${qname}>`, 'g'))].map((m) => m[1]!.trim());
  expect(found, qname).toHaveLength(1);
  return found[0]!;
};
/** Every indirect object that is a dictionary or a stream's dictionary. */
const dicts = () =>
  doc.context
    .enumerateIndirectObjects()
    .map(([ref, o]) => [ref, o instanceof PDFDict ? o : o instanceof PDFStream ? o.dict : null] as const)
    .filter((e): e is readonly [PDFRef, PDFDict] => e[1] !== null);

describe('PDF/A-3 identification and Factur-X metadata (XMP)', () => {
  test('the catalog carries one unfiltered, well-formed XMP packet: PDF/A-3, Factur-X EN 16931 with its extension schema', () => {
    const { stream, xml } = xmp();
    expect(stream.dict.get(PDFName.of('Type'))).toBe(PDFName.of('Metadata'));
    expect(stream.dict.get(PDFName.of('Subtype'))).toBe(PDFName.of('XML'));
    expect(stream.dict.has(PDFName.of('Filter'))).toBe(false);
    expect(() => create(xml.replace(/^<\?xpacket[^>]*\?>/, '').replace(/<\?xpacket[^>]*\?>$/, ''))).not.toThrow();
    expect(xml).toMatch(/^<\?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"\?>/);
    expect(xml).toMatch(/<\?xpacket end="w"\?>$/);

    expect(xmpValue(xml, 'pdfaid:part')).toBe('3');
    expect(['A', 'B', 'U']).toContain(xmpValue(xml, 'pdfaid:conformance'));
    expect(xml).toContain('xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"');

    const fx = 'urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#';
    expect(xml).toContain(`xmlns:fx="${fx}"`);
    expect(xmpValue(xml, 'fx:DocumentType')).toBe('INVOICE');
    expect(xmpValue(xml, 'fx:DocumentFileName')).toBe('factur-x.xml');
    expect(xmpValue(xml, 'fx:Version')).toBe('1.0');
    expect(xmpValue(xml, 'fx:ConformanceLevel')).toBe('EN 16931');

    // PDF/A needs every property outside the standard schemas described in an extension schema.
    expect(xmpValue(xml, 'pdfaSchema:namespaceURI')).toBe(fx);
    expect(xmpValue(xml, 'pdfaSchema:prefix')).toBe('fx');
    const described = [...xml.matchAll(/<pdfaProperty:name>(\w+)<\/pdfaProperty:name>/g)].map((m) => m[1]).sort();
    expect(described).toEqual(['ConformanceLevel', 'DocumentFileName', 'DocumentType', 'Version']);
    const used = [...new Set([...xml.matchAll(/<fx:(\w+)>/g)].map((m) => m[1]))].sort();
    expect(used).toEqual(described);
    for (const m of xml.matchAll(/<rdf:li rdf:parseType="Resource"><pdfaProperty:name>[\s\S]*?<\/rdf:li>/g)) {
      expect(m[0]).toContain('<pdfaProperty:valueType>Text</pdfaProperty:valueType>');
      expect(m[0]).toContain('<pdfaProperty:category>external</pdfaProperty:category>');
    }
  });

  test('the Info dictionary says what the XMP says (title, author, producer, creator, dates)', () => {
    const { xml } = xmp();
    const info = doc.context.lookup(doc.context.trailerInfo.Info, PDFDict);
    const get = (k: string) => text(info.lookup(PDFName.of(k)));
    expect(get('Title')).toBe(
      xmpValue(xml, 'dc:title')
        .replace(/<[^>]+>/g, '')
        .trim(),
    );
    expect(get('Author')).toBe(
      xmpValue(xml, 'dc:creator')
        .replace(/<[^>]+>/g, '')
        .trim(),
    );
    expect(get('Producer')).toBe(xmpValue(xml, 'pdf:Producer'));
    expect(get('Creator')).toBe(xmpValue(xml, 'xmp:CreatorTool'));
    const pdfDate = (d: string) => {
      const m = /^D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(Z|[+-]\d{2}'\d{2}'?)?$/.exec(d);
      expect(m, d).not.toBeNull();
      const zone = !m![7] || m![7] === 'Z' ? 'Z' : m![7].replace(/'/g, '').replace(/(\d{2})(\d{2})$/, '$1:$2');
      return new Date(`${m![1]}-${m![2]}-${m![3]}T${m![4]}:${m![5]}:${m![6]}${zone}`).getTime();
    };
    expect(pdfDate(get('CreationDate'))).toBe(new Date(xmpValue(xml, 'xmp:CreateDate')).getTime());
    expect(pdfDate(get('ModDate'))).toBe(new Date(xmpValue(xml, 'xmp:ModifyDate')).getTime());
    expect(xmpValue(xml, 'dc:format')).toBe('application/pdf');
  });
});

describe('colour, fonts and the file', () => {
  test('one sRGB output intent (GTS_PDFA1) with an embedded ICC profile of 3 components, RGB, display class', () => {
    const intents = doc.catalog.lookup(PDFName.of('OutputIntents'), PDFArray);
    expect(intents.size()).toBe(1);
    const intent = intents.lookup(0, PDFDict);
    expect(intent.get(PDFName.of('S'))).toBe(PDFName.of('GTS_PDFA1'));
    expect(text(intent.lookup(PDFName.of('OutputConditionIdentifier')))).toMatch(/sRGB/);
    const profile = intent.lookup(PDFName.of('DestOutputProfile')) as PDFRawStream;
    expect((profile.dict.lookup(PDFName.of('N')) as PDFNumber).asNumber()).toBe(3);
    const icc = Buffer.from(decodePDFRawStream(profile).decode());
    expect(icc.readUInt32BE(0)).toBe(icc.length);
    expect(icc.toString('ascii', 36, 40)).toBe('acsp');
    expect(icc.toString('ascii', 16, 20)).toBe('RGB ');
    expect(icc.toString('ascii', 12, 16)).toBe('mntr');
    expect(icc[8]).toBeLessThanOrEqual(4); // ICC v2 or v4
  });

  test('every font is embedded (a font program in each descriptor; Type 3 glyphs are drawn in the file)', () => {
    const fonts = dicts().filter(([, d]) => d.get(PDFName.of('Type')) === PDFName.of('Font'));
    expect(fonts.length).toBeGreaterThan(0);
    const notEmbedded: string[] = [];
    for (const [ref, font] of fonts) {
      const subtype = font.get(PDFName.of('Subtype'));
      if (subtype === PDFName.of('Type3') || subtype === PDFName.of('Type0')) continue; // Type0: see its descendant
      const descriptor = font.lookupMaybe(PDFName.of('FontDescriptor'), PDFDict);
      const program = ['FontFile', 'FontFile2', 'FontFile3'].some((k) => descriptor?.has(PDFName.of(k)));
      if (!program) notEmbedded.push(`${ref.toString()} ${String(font.get(PDFName.of('BaseFont')))}`);
    }
    expect(notEmbedded).toEqual([]);
    for (const [, font] of fonts.filter(([, d]) => d.get(PDFName.of('Subtype')) === PDFName.of('Type0'))) {
      const descendants = font.lookup(PDFName.of('DescendantFonts'), PDFArray);
      expect(descendants.size()).toBe(1);
      // PDF/A: a CIDFontType2 maps CIDs to glyphs (CIDToGIDMap), and every CIDFont names its character collection.
      const cidFont = descendants.lookup(0, PDFDict);
      expect(cidFont.has(PDFName.of('CIDSystemInfo'))).toBe(true);
      if (cidFont.get(PDFName.of('Subtype')) === PDFName.of('CIDFontType2'))
        expect(cidFont.has(PDFName.of('CIDToGIDMap'))).toBe(true);
    }
  });

  test('factur-x.xml is attached with its relationship, MIME type and dates, listed in the catalog /AF, and is the CII', async () => {
    const names = doc.catalog.lookup(PDFName.of('Names'), PDFDict).lookup(PDFName.of('EmbeddedFiles'), PDFDict);
    const list = names.lookup(PDFName.of('Names'), PDFArray);
    expect(list.size()).toBe(2); // one file: name, file specification
    expect(text(list.lookup(0))).toBe('factur-x.xml');
    const specRef = list.get(1);
    expect(specRef).toBeInstanceOf(PDFRef);
    const spec = doc.context.lookup(specRef, PDFDict);
    expect(spec.get(PDFName.of('Type'))).toBe(PDFName.of('Filespec'));
    expect(text(spec.lookup(PDFName.of('F')))).toBe('factur-x.xml');
    expect(text(spec.lookup(PDFName.of('UF')))).toBe('factur-x.xml');
    expect(['Data', 'Alternative', 'Source']).toContain(
      spec.lookup(PDFName.of('AFRelationship'), PDFName).decodeText(),
    );
    const file = spec.lookup(PDFName.of('EF'), PDFDict).lookup(PDFName.of('F')) as PDFRawStream;
    expect(file.dict.get(PDFName.of('Type'))).toBe(PDFName.of('EmbeddedFile'));
    expect(file.dict.lookup(PDFName.of('Subtype'), PDFName).decodeText()).toBe('text/xml');
    expect(file.dict.lookup(PDFName.of('Params'), PDFDict).has(PDFName.of('ModDate'))).toBe(true);
    const af = doc.catalog.lookup(PDFName.of('AF'), PDFArray);
    expect(af.asArray().map(String)).toContain(String(specRef));
    const cii = await extractFacturx(pdf);
    expect(cii).toBe(streamText(file));
    expect(cii).toMatch(/<rsm:CrossIndustryInvoice[\s>]/);
    expect(cii).toContain('urn:cen.eu:en16931:2017');
  });

  test('no encryption, a file identifier, the binary comment after the header, no forbidden filter or external stream', () => {
    expect(doc.context.trailerInfo.Encrypt).toBeUndefined();
    expect(doc.isEncrypted).toBe(false);
    const id = doc.context.trailerInfo.ID;
    expect(id).toBeInstanceOf(PDFArray);
    expect((id as PDFArray).size()).toBe(2);
    const head = Buffer.from(pdf.subarray(0, 32));
    expect(head.toString('latin1')).toMatch(/^%PDF-1\.[0-7]\r?\n%/);
    const comment = head.subarray(head.indexOf(0x25, 5) + 1, head.indexOf(0x25, 5) + 5);
    expect([...comment].every((b) => b > 127)).toBe(true);
    for (const [ref, d] of dicts()) {
      const filters = d.lookup(PDFName.of('Filter'));
      const names = filters instanceof PDFArray ? filters.asArray().map(String) : filters ? [String(filters)] : [];
      expect(names, ref.toString()).not.toContain('/LZWDecode');
      // A stream whose data lives in another file (PDF/A: forbidden): /F, /FFilter or /FDecodeParms on a stream.
      if (doc.context.lookup(ref) instanceof PDFStream)
        for (const k of ['FFilter', 'FDecodeParms']) expect(d.has(PDFName.of(k)), `${ref} ${k}`).toBe(false);
    }
  });

  test('no JavaScript, no actions that run or launch anything, and every annotation prints', () => {
    const raw = Buffer.from(pdf).toString('latin1');
    expect(raw).not.toMatch(/\/(JavaScript|JS|Launch|ImportData|ResetForm|SubmitForm)\b/);
    expect(doc.catalog.has(PDFName.of('AA'))).toBe(false);
    expect(doc.catalog.has(PDFName.of('OpenAction'))).toBe(false);
    const names = doc.catalog.lookupMaybe(PDFName.of('Names'), PDFDict);
    expect(names?.has(PDFName.of('JavaScript')) ?? false).toBe(false);
    for (const page of doc.getPages()) {
      expect(page.node.has(PDFName.of('AA'))).toBe(false);
      const annots = page.node.lookupMaybe(PDFName.of('Annots'), PDFArray);
      for (const a of annots?.asArray() ?? []) {
        const annot = doc.context.lookup(a, PDFDict);
        const flags = (annot.lookupMaybe(PDFName.of('F'), PDFNumber)?.asNumber() ?? 0) | 0;
        // Print set; Invisible, Hidden, NoView clear (PDF/A-3 6.3.2).
        expect(flags & 4, `annotation ${String(a)} must print`).toBe(4);
        expect(flags & (1 | 2 | 32), `annotation ${String(a)} must show`).toBe(0);
      }
    }
  });

  test('the logo is in it as an image, and every image is in a colour space the output intent covers', () => {
    const images = dicts().filter(([, d]) => d.get(PDFName.of('Subtype')) === PDFName.of('Image'));
    expect(images.length).toBeGreaterThan(0);
    const logo = images.find(
      ([, d]) =>
        (d.lookup(PDFName.of('Width')) as PDFNumber).asNumber() === 96 &&
        (d.lookup(PDFName.of('Height')) as PDFNumber).asNumber() === 32 &&
        !d.has(PDFName.of('ImageMask')),
    );
    expect(logo).toBeDefined();
    for (const [ref, image] of images) {
      if (image.has(PDFName.of('ImageMask'))) continue;
      const cs = image.lookup(PDFName.of('ColorSpace'));
      const family = cs instanceof PDFName ? cs : (cs as PDFArray).lookup(0, PDFName);
      // RGB and grey are covered by the RGB output intent; CMYK (or a CMYK base) would not be.
      expect(family.decodeText(), ref.toString()).not.toBe('DeviceCMYK');
      expect(['DeviceRGB', 'DeviceGray', 'ICCBased', 'Indexed'], ref.toString()).toContain(family.decodeText());
    }
  });
});
