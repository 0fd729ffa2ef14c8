import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { S3DocumentStore } from '../../../functions/s3/s3-document-store.js';
import { startS3Emulator, type S3Emulator } from '../../../infra/local/s3-emulator.js';

const outputDir = resolve(import.meta.dirname, '../../../test-output');
mkdirSync(outputDir, { recursive: true });
const dir = mkdtempSync(join(outputDir, 's3-store-'));
let s3: S3Emulator;
const store = (now?: () => Date) =>
  new S3DocumentStore({ bucket: s3.bucket, region: 'us-east-1', endpoint: s3.endpoint, ...(now ? { now } : {}) });

beforeAll(async () => {
  s3 = await startS3Emulator({ port: 0, dir });
});
afterAll(async () => {
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('put, then the signed link serves the same bytes', async () => {
  const body = new Uint8Array(randomBytes(64 * 1024));
  const key = 'pdfs/acc_1/inv_1/v2-open.pdf';
  await store().put(key, body, 'application/pdf');
  const link = await store().signedUrl(key, 300, { filename: 'INV-1001.pdf' });
  const res = await fetch(link.url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/pdf');
  expect(res.headers.get('content-disposition')).toBe('inline; filename="INV-1001.pdf"');
  const got = new Uint8Array(await res.arrayBuffer());
  expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
});

describe('the link is a real SigV4 presigned URL', () => {
  const signedAt = new Date('2026-11-27T10:15:30.789Z');
  let url: URL;
  let expiresAt: string;

  beforeAll(async () => {
    const link = await store(() => signedAt).signedUrl('pdfs/acc_1/inv_1/v3-paid.pdf', 900, {
      filename: 'INV-1001.pdf',
    });
    url = new URL(link.url);
    expiresAt = link.expiresAt;
  });

  test('its query names the algorithm, the credential scope, a lifetime of at most 900 s and the signed headers', () => {
    const q = url.searchParams;
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Credential')).toBe('S3RVER/20261127/us-east-1/s3/aws4_request');
    expect(q.get('X-Amz-Date')).toBe('20261127T101530Z');
    expect(Number(q.get('X-Amz-Expires'))).toBe(900);
    expect(q.get('X-Amz-SignedHeaders')).toBe('host');
    expect(q.get('X-Amz-Content-Sha256')).toBe('UNSIGNED-PAYLOAD');
    expect(q.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(url.pathname).toBe(`/${s3.bucket}/pdfs/acc_1/inv_1/v3-paid.pdf`);
    // expiresAt is the signing second plus the lifetime.
    expect(expiresAt).toBe('2026-11-27T10:30:30.000Z');
  });

  /** Re-signs the request the URL describes with the SDK's own SigV4 signer, at the same instant. */
  async function resign(secretAccessKey: string): Promise<string | undefined> {
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) if (!k.startsWith('X-Amz-')) query[k] = v;
    const signer = new SignatureV4({
      credentials: { accessKeyId: 'S3RVER', secretAccessKey },
      region: 'us-east-1',
      service: 's3',
      sha256: Sha256,
      uriEscapePath: false, // S3 signs the path as sent, without encoding it twice
    });
    const presigned = await signer.presign(
      {
        method: 'GET',
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: decodeURIComponent(url.pathname),
        query,
        // The payload hash travels as a header that the signer hoists into the query, as the presigner does.
        headers: { host: url.host, 'X-Amz-Content-Sha256': url.searchParams.get('X-Amz-Content-Sha256')! },
      },
      { signingDate: signedAt, expiresIn: 900 },
    );
    return presigned.query?.['X-Amz-Signature'] as string | undefined;
  }

  test('the SDK’s signer, given the same request, clock and credentials, computes the same signature', async () => {
    expect(await resign('S3RVER')).toBe(url.searchParams.get('X-Amz-Signature'));
  });

  test('and another secret gives another signature (the comparison is not vacuous)', async () => {
    expect(await resign('not-the-secret')).not.toBe(url.searchParams.get('X-Amz-Signature'));
  });
});

test('a lifetime over 15 minutes (or not a whole positive number of seconds) is refused', async () => {
  for (const seconds of [901, 3600, 0, -1, 1.5]) {
    await expect(store().signedUrl('pdfs/x.pdf', seconds)).rejects.toThrow(RangeError);
  }
});

test('an expired link is refused by the store', async () => {
  const key = 'pdfs/acc_1/inv_2/v2-open.pdf';
  await store().put(key, new TextEncoder().encode('%PDF-1.7 test'), 'application/pdf');
  // Signed 20 minutes ago for 60 seconds.
  const stale = await store(() => new Date(Date.now() - 20 * 60_000)).signedUrl(key, 60);
  const res = await fetch(stale.url);
  expect(res.status).toBe(403);
  expect(await res.text()).toMatch(/Request has expired/);
  // The same object through a fresh link is served.
  expect((await fetch((await store().signedUrl(key, 60)).url)).status).toBe(200);
});

describe('issued documents are stored under a compliance-mode lock', () => {
  // s3rver has no Object Lock, so this S3 endpoint records what the adapter sends and answers 200.
  const seen: { url: string; headers: Record<string, string | string[] | undefined> }[] = [];
  let endpoint: string;
  let server: Server;
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: new URL(req.url ?? '/', 'http://s3').pathname, headers: req.headers });
      req.resume();
      req.on('end', () => res.writeHead(200, { etag: '"x"' }).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('an issued PDF carries the lock until now + the retention; an export, or any put without a retention, none', async () => {
    const now = new Date('2026-11-30T10:00:00.000Z');
    const locking = new S3DocumentStore({
      bucket: 'docs',
      region: 'us-east-1',
      endpoint,
      retentionDays: 3650,
      now: () => now,
    });
    await locking.put('pdfs/acc_1/inv_1/v2-open.pdf', new Uint8Array([37, 80, 68, 70]), 'application/pdf', {
      issued: true,
    });
    await locking.put('exports/acc_1/exp_1.csv', new Uint8Array([97]), 'text/csv');
    const local = new S3DocumentStore({ bucket: 'docs', region: 'us-east-1', endpoint });
    await local.put('pdfs/acc_1/inv_2/v2-open.pdf', new Uint8Array([37]), 'application/pdf', { issued: true });

    expect(seen.map((r) => r.url)).toEqual([
      '/docs/pdfs/acc_1/inv_1/v2-open.pdf',
      '/docs/exports/acc_1/exp_1.csv',
      '/docs/pdfs/acc_1/inv_2/v2-open.pdf',
    ]);
    expect(seen[0]!.headers['x-amz-object-lock-mode']).toBe('COMPLIANCE');
    expect(seen[0]!.headers['x-amz-object-lock-retain-until-date']).toBe('2036-11-27T10:00:00Z');
    for (const r of seen.slice(1)) {
      expect(r.headers['x-amz-object-lock-mode']).toBeUndefined();
      expect(r.headers['x-amz-object-lock-retain-until-date']).toBeUndefined();
    }
  });
});
