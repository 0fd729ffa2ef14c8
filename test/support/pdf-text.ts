import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

export type ParsedPdf = { pages: number; text: string; size: { width: number; height: number } };

/**
 * Opens a PDF with pdf.js (Mozilla's parser, Node build) and returns its text, every page joined,
 * with the no-break spaces Intl puts in money and dates turned into plain ones; and the first
 * page's size in points.
 */
export async function parsePdf(bytes: Uint8Array): Promise<ParsedPdf> {
  const task = getDocument({ data: new Uint8Array(bytes), useSystemFonts: false });
  const doc = await task.promise;
  try {
    const texts: string[] = [];
    for (let i = 1; i <= doc.numPages; i++) {
      const page = await doc.getPage(i);
      const content = await page.getTextContent();
      texts.push(content.items.map((it) => ('str' in it ? it.str + (it.hasEOL ? '\n' : '') : '')).join(' '));
    }
    const first = await doc.getPage(1);
    const { width, height } = first.getViewport({ scale: 1 });
    return {
      pages: doc.numPages,
      text: texts
        .join('\n')
        .replace(/[\u00a0\u202f]/g, ' ')
        .replace(/[ \t]+/g, ' '),
      size: { width, height },
    };
  } finally {
    await task.destroy();
  }
}
