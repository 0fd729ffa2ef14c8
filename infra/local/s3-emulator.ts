import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import S3rver from 's3rver';

/** The PDF bucket's name locally (in AWS the stack names it). */
export const LOCAL_PDF_BUCKET = 'invoice-pdfs';

export type S3Emulator = { endpoint: string; bucket: string; stop: () => Promise<void> };

/**
 * The S3 emulator (s3rver) with the PDF bucket. It keeps objects in `dir`, so a restart keeps
 * them. It checks a presigned link's expiry but not its signature (tests check signatures with
 * the SDK's own signer).
 */
export async function startS3Emulator(opts: { port: number; dir: string; bucket?: string }): Promise<S3Emulator> {
  const bucket = opts.bucket ?? LOCAL_PDF_BUCKET;
  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  const server = new S3rver({
    port: opts.port,
    address: '127.0.0.1',
    directory: dir,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, bucket, stop: () => server.close() };
}
