import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { PDFDocument, PDFName, PDFNumber, PDFRawStream } from '@cantoo/pdf-lib';

/** Pixels that are not one flat colour (a flat one compresses to nothing and proves little). */
function pixels(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data[i * 4] = (i * 37) % 256;
    data[i * 4 + 1] = (i * 11 + 80) % 256;
    data[i * 4 + 2] = (Math.floor(i / width) * 5) % 256;
    data[i * 4 + 3] = 255;
  }
  return data;
}

/** A PNG of the given size, made here (no fixture files). */
export const pngLogo = (width: number, height: number): Uint8Array =>
  encodePng({ width, height, data: pixels(width, height), channels: 4, depth: 8 });

/** A baseline JPEG of the given size. */
export const jpegLogo = (width: number, height: number): Uint8Array =>
  new Uint8Array(jpeg.encode({ width, height, data: Buffer.from(pixels(width, height)) }, 85).data);

/** Every image XObject in a PDF, as its pixel size: what a viewer would draw. */
export async function pdfImages(pdf: Uint8Array): Promise<{ width: number; height: number }[]> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const images: { width: number; height: number }[] = [];
  for (const [, object] of doc.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFRawStream)) continue;
    if (object.dict.get(PDFName.of('Subtype')) !== PDFName.of('Image')) continue;
    const size = (k: string) => (object.dict.lookup(PDFName.of(k)) as PDFNumber).asNumber();
    images.push({ width: size('Width'), height: size('Height') });
  }
  return images;
}
