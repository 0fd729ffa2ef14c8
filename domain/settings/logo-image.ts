import { createHash } from 'node:crypto';
import { decode as decodePng } from 'fast-png';
import { imageSize } from 'image-size';
import jpeg from 'jpeg-js';
import { DomainError, validationError } from '../errors.js';

/** API.md: PNG or JPEG, at most 1 MB (the same 1 MB, 10^6 bytes, as a JSON body). */
export const MAX_LOGO_BYTES = 1_000_000;
/**
 * Not fixed by the contract: a logo is printed at most a few centimetres wide, so 4,000 px a side is
 * far beyond any use, and 16 MP bounds the memory a full decode takes (the check decodes every pixel).
 */
export const MAX_LOGO_SIDE = 4_000;
export const MIN_LOGO_SIDE = 8;
const MAX_LOGO_PIXELS = 16_000_000;

export const LOGO_TYPES = ['image/png', 'image/jpeg'] as const;
export type LogoType = (typeof LOGO_TYPES)[number];

/** What an accepted picture is: its type, size in bytes, pixel dimensions and content hash. */
export type LogoImage = { contentType: LogoType; size: number; width: number; height: number; sha256: string };

/** The field every complaint about the picture names: the request body is the logo. */
const FIELD = 'logo';
const refuse = (message: string) => validationError(`The logo is refused: ${message}`, [{ path: FIELD, message }]);

/**
 * Checks that the bytes are a whole PNG or JPEG of the type the request says, within the limits.
 * The header (image-size) gives type and dimensions cheaply; then the picture is decoded in full
 * (fast-png with CRC checks, jpeg-js without its tolerant mode), because a truncated or corrupt
 * file has a perfectly good header and would print as a broken image on every invoice.
 */
export function inspectLogo(bytes: Uint8Array, contentTypeHeader: string | undefined): LogoImage {
  const contentType = (contentTypeHeader ?? '').split(';')[0]!.trim().toLowerCase();
  if (!(LOGO_TYPES as readonly string[]).includes(contentType))
    throw new DomainError('validation', 'The logo must be sent as image/png or image/jpeg', [
      { path: 'Content-Type', message: 'must be image/png or image/jpeg' },
    ]);
  const type = contentType as LogoType;
  if (bytes.length === 0) throw refuse('is empty');
  if (bytes.length > MAX_LOGO_BYTES) throw refuse(`is ${bytes.length} bytes; at most ${MAX_LOGO_BYTES} are allowed`);
  const said = type === 'image/png' ? 'PNG' : 'JPEG';
  let header: { width?: number; height?: number; type?: string };
  try {
    header = imageSize(bytes);
  } catch {
    throw refuse(`is not a ${said} image`);
  }
  const actual = header.type === 'png' ? 'image/png' : header.type === 'jpg' ? 'image/jpeg' : null;
  if (actual === null) throw refuse(`is not a ${said} image`);
  if (actual !== type) throw refuse(`is a ${actual === 'image/png' ? 'PNG' : 'JPEG'} image sent as ${type}`);
  const { width = 0, height = 0 } = header;
  if (width < MIN_LOGO_SIDE || height < MIN_LOGO_SIDE || width > MAX_LOGO_SIDE || height > MAX_LOGO_SIDE)
    throw refuse(`is ${width}×${height} px; each side must be ${MIN_LOGO_SIDE} to ${MAX_LOGO_SIDE} px`);
  if (width * height > MAX_LOGO_PIXELS) throw refuse(`has ${width * height} pixels; at most ${MAX_LOGO_PIXELS}`);
  let decoded: { width: number; height: number };
  try {
    decoded =
      type === 'image/png'
        ? decodePng(bytes, { checkCrc: true })
        : jpeg.decode(bytes, {
            useTArray: true,
            tolerantDecoding: false,
            maxResolutionInMP: MAX_LOGO_PIXELS / 1_000_000,
            maxMemoryUsageInMB: 128,
          });
  } catch {
    throw refuse(`is a damaged or truncated ${said} image`);
  }
  if (decoded.width !== width || decoded.height !== height) throw refuse(`is a damaged ${said} image`);
  return {
    contentType: type,
    size: bytes.length,
    width,
    height,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
