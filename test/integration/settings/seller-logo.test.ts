import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { todayIn } from '../../../domain/dates/calendar.js';
import { launchChromium } from '../../../functions/pdf/chromium-renderer.js';
import { S3DocumentStore } from '../../../functions/s3/s3-document-store.js';
import { client, uniqueAccount } from '../../support/local-stack.js';
import { jpegLogo, pdfImages, pngLogo } from '../../support/logo-images.js';
import { parsePdf } from '../../support/pdf-text.js';
import { startStreamStack, type StreamStack } from '../../support/stream-stack.js';
import { until } from '../../support/until.js';

/**
 * The seller's logo through the local stack (API server, DynamoDB Local, s3rver, the real stream
 * handler rendering with Chromium): stored in the bucket, refused with a 422 naming the field when
 * it is not a whole PNG or JPEG within the limits, printed in the PDF as an image, shown on the
 * buyer page in a real browser with the CSP intact; an issued invoice keeps the logo it was issued
 * with through its PAID re-render, and a removal leaves it alone.
 */
let s: StreamStack;
let browser: Browser;
let bucket: S3DocumentStore;
beforeAll(async () => {
  s = await startStreamStack('seller-logo');
  bucket = new S3DocumentStore({ bucket: s.stack.s3.bucket, region: 'us-east-1', endpoint: s.stack.s3.endpoint });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

const SELLER = {
  legalName: 'Tulip Software B.V.',
  vatId: 'NL123456789B01',
  address: { line1: 'Keizersgracht 1', city: 'Amsterdam', postalCode: '1015 CC', country: 'NL' },
};

const putLogo = (bytes: Uint8Array, contentType: string, headers: Record<string, string> = {}) =>
  s.api('PUT', '/settings/invoices/logo', bytes, { 'content-type': contentType, ...headers });

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The PDF the invoice's signed link serves now, once it is ready for the status given. */
async function pdfOf(invoiceId: string, status: string): Promise<Uint8Array> {
  await until(`the ${status} PDF of ${invoiceId}`, async () => {
    const inv = (await s.api('GET', `/invoices/${invoiceId}`)).body;
    return inv.status === status && inv.pdf.status === 'ready';
  });
  const link = (await s.api('GET', `/invoices/${invoiceId}/pdf`)).body.url as string;
  return new Uint8Array(await (await fetch(link)).arrayBuffer());
}

async function issue(name: string): Promise<{ id: string; slug: string }> {
  const draft = (
    await s.api('POST', '/invoices', { contacts: [s.contactId], lineItems: [{ name, unitPrice: 12_000, taxRate: 21 }] })
  ).body;
  const open = await s.api('POST', `/invoices/${draft.id}/finalize`);
  expect(open.status, JSON.stringify(open.body)).toBe(200);
  return { id: draft.id, slug: open.body.slug };
}

describe('uploading', () => {
  test('a PNG and then a JPEG are stored in the bucket under the account and described in the settings', async () => {
    const png = pngLogo(120, 40);
    const res = await putLogo(png, 'image/png');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.logo).toEqual({
      contentType: 'image/png',
      size: png.length,
      width: 120,
      height: 40,
      sha256: sha(png),
      updatedAt: expect.any(String),
    });
    expect(res.headers.get('etag')).toBe(`"${res.body.version}"`);
    expect((await s.api('GET', '/settings/invoices')).body.logo).toEqual(res.body.logo);

    const jpg = jpegLogo(64, 48);
    const again = await putLogo(jpg, 'image/jpeg; charset=binary', { 'if-match': `"${res.body.version}"` });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.logo).toMatchObject({ contentType: 'image/jpeg', width: 64, height: 48, sha256: sha(jpg) });
    expect(again.body.version).toBe(res.body.version + 1);
    // A stale If-Match is refused like any settings change.
    expect((await putLogo(png, 'image/png', { 'if-match': `"${res.body.version}"` })).status).toBe(412);
    // Both pictures are in the bucket, each under its own content's name: nothing was overwritten.
    const keys = await listLogoKeys();
    expect(keys.some((k) => k.endsWith(`/${sha(png)}.png`))).toBe(true);
    expect(keys.some((k) => k.endsWith(`/${sha(jpg)}.jpg`))).toBe(true);
    for (const key of keys) expect(key).toMatch(/^logos\/acc_[0-9a-f]{12}\/[0-9a-f]{64}\.(png|jpg)$/);
    const stored = await bucket.get(keys.find((k) => k.endsWith('.jpg'))!);
    expect(sha(stored!)).toBe(sha(jpg));
  });

  test('what is not a whole PNG or JPEG within the limits is 422 naming the field, and changes nothing', async () => {
    const before = (await s.api('GET', '/settings/invoices')).body;
    const png = pngLogo(100, 30);
    const refusals: [string, Uint8Array, string, string, RegExp][] = [
      ['a text file called a PNG', new TextEncoder().encode('hello, I am a logo\n'), 'image/png', 'logo', /not a PNG/],
      ['a truncated PNG', png.subarray(0, png.length - 20), 'image/png', 'logo', /damaged or truncated/],
      ['a PNG cut after its header', png.subarray(0, 60), 'image/png', 'logo', /damaged or truncated/],
      ['a JPEG called a PNG', jpegLogo(40, 40), 'image/png', 'logo', /JPEG image sent as image\/png/],
      ['a PNG called a JPEG', png, 'image/jpeg', 'logo', /PNG image sent as image\/jpeg/],
      ['over 1 MB', bigPng(), 'image/png', 'logo', /at most 1000000/],
      ['too small to see', pngLogo(4, 4), 'image/png', 'logo', /each side must be/],
      ['a GIF', new TextEncoder().encode('GIF89a....'), 'image/gif', 'Content-Type', /image\/png or image\/jpeg/],
      ['JSON', new TextEncoder().encode('{"logo":"x"}'), 'application/json', 'Content-Type', /image\/png/],
      ['nothing', new Uint8Array(0), 'image/png', 'logo', /empty/],
    ];
    for (const [what, bytes, type, path, message] of refusals) {
      const res = await putLogo(bytes, type);
      expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(422);
      expect(res.headers.get('content-type'), what).toContain('application/problem+json');
      expect(res.body.errors, what).toEqual([{ path, message: expect.stringMatching(message) }]);
    }
    expect((await s.api('GET', '/settings/invoices')).body).toEqual(before);
  });

  test('it needs settings:write; another account does not see or change this one', async () => {
    const reader = client(s.stack.baseUrl, await s.stack.token(uniqueAccount(), { permissions: ['invoices:read'] }));
    expect(
      (await reader('PUT', '/settings/invoices/logo', pngLogo(20, 20), { 'content-type': 'image/png' })).status,
    ).toBe(403);
    const other = client(s.stack.baseUrl, await s.stack.token(uniqueAccount()));
    const mine = (await s.api('GET', '/settings/invoices')).body;
    expect((await other('GET', '/settings/invoices')).body.logo).toBeNull();
    const theirs = pngLogo(30, 30);
    expect((await other('PUT', '/settings/invoices/logo', theirs, { 'content-type': 'image/png' })).status).toBe(200);
    expect((await other('DELETE', '/settings/invoices/logo')).status).toBe(204);
    expect((await s.api('GET', '/settings/invoices')).body).toEqual(mine);
  });
});

describe('on the documents', () => {
  test('the PDF prints the logo it was issued with, through its PAID re-render; the buyer page shows it under the CSP; removal spares issued invoices', async () => {
    expect((await s.api('PUT', '/settings/invoices', { seller: SELLER, currency: 'EUR' })).status).toBe(200);
    // Issued with no logo: no image in its PDF.
    expect((await s.api('DELETE', '/settings/invoices/logo')).status).toBe(204);
    const plain = await issue('Without logo');
    expect(await pdfImages(await pdfOf(plain.id, 'open'))).toEqual([]);

    const first = pngLogo(123, 45);
    expect((await putLogo(first, 'image/png')).status).toBe(200);
    const withLogo = await issue('With logo');
    const openPdf = await pdfOf(withLogo.id, 'open');
    expect(await pdfImages(openPdf)).toContainEqual({ width: 123, height: 45 });

    // A new logo (a JPEG this time) changes drafts and later invoices, not this one.
    const second = jpegLogo(77, 66);
    expect((await putLogo(second, 'image/jpeg')).status).toBe(200);
    const paid = await s.api('POST', `/invoices/${withLogo.id}/mark-paid`, {
      paidAt: todayIn('America/New_York', new Date()),
      method: 'bankTransfer',
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    const paidPdf = await pdfOf(withLogo.id, 'paid');
    expect(sha(paidPdf)).not.toBe(sha(openPdf)); // re-rendered, with its PAID mark
    const paidImages = await pdfImages(paidPdf);
    expect(paidImages).toContainEqual({ width: 123, height: 45 });
    expect(paidImages).not.toContainEqual({ width: 77, height: 66 });
    const later = await issue('After the new logo');
    expect(await pdfImages(await pdfOf(later.id, 'open'))).toContainEqual({ width: 77, height: 66 });
    // The preview of a draft shows the current logo, inlined.
    const draft = (
      await s.api('POST', '/invoices', { contacts: [s.contactId], lineItems: [{ name: 'D', unitPrice: 1 }] })
    ).body;
    const preview = (await s.api('GET', `/invoices/${draft.id}/preview`)).body as string;
    expect(preview).toContain(`src="data:image/jpeg;base64,${Buffer.from(second).toString('base64')}"`);

    // The buyer page, in a real browser: the picture is decoded, at its size, and the CSP refused nothing.
    const shown = await buyerPage(later.slug);
    expect(shown.logo).toEqual({ complete: true, width: 77, height: 66, src: 'data:image/jpeg' });
    expect(shown.violations).toEqual([]);
    expect(shown.csp).toContain("default-src 'none'");
    expect(shown.csp).toContain('img-src data:');
    expect(shown.csp).not.toMatch(/img-src[^;]*(https?:|\*)/);
    // The invoice issued with the first logo shows that one on its page too.
    expect((await buyerPage(withLogo.slug)).logo).toMatchObject({ complete: true, width: 123, height: 45 });

    // Removed: drafts lose it; issued invoices keep theirs.
    expect((await s.api('DELETE', '/settings/invoices/logo')).status).toBe(204);
    expect((await s.api('GET', '/settings/invoices')).body.logo).toBeNull();
    expect((await s.api('GET', `/invoices/${draft.id}/preview`)).body).not.toContain('<img');
    expect((await buyerPage(later.slug)).logo).toMatchObject({ width: 77, height: 66 });
    expect((await buyerPage(plain.slug)).logo).toBeNull();
    // Removing what is not there is still 204.
    expect((await s.api('DELETE', '/settings/invoices/logo')).status).toBe(204);
  }, 120_000);
  test("a credit note's PDF is from the seller its invoice was issued by, with that invoice's logo", async () => {
    expect((await s.api('PUT', '/settings/invoices', { seller: SELLER, currency: 'EUR' })).status).toBe(200);
    expect((await putLogo(pngLogo(91, 37), 'image/png')).status).toBe(200);
    const credited = await issue('Credited');
    // A later logo and seller are for later invoices: the credit note of this one keeps the first.
    expect((await putLogo(jpegLogo(55, 44), 'image/jpeg')).status).toBe(200);
    const renamed = { ...SELLER, legalName: 'Tulip Holding B.V.' };
    expect((await s.api('PUT', '/settings/invoices', { seller: renamed })).status).toBe(200);
    const cn = await s.api('POST', `/invoices/${credited.id}/credit-notes`, { amount: 1_210, reason: 'Goodwill' });
    expect(cn.status, JSON.stringify(cn.body)).toBe(201);
    await until(
      'the credit note PDF',
      async () => (await s.api('GET', `/credit-notes/${cn.body.id}`)).body.pdf.status === 'ready',
    );
    const link = (await s.api('GET', `/credit-notes/${cn.body.id}/pdf`)).body.url as string;
    const pdf = new Uint8Array(await (await fetch(link)).arrayBuffer());
    const { text } = await parsePdf(pdf);
    expect(text).toContain(SELLER.legalName);
    expect(text).not.toContain(renamed.legalName);
    expect(text).toContain(SELLER.vatId);
    expect(text).toContain('Keizersgracht 1');
    const images = await pdfImages(pdf);
    expect(images).toContainEqual({ width: 91, height: 37 });
    expect(images).not.toContainEqual({ width: 55, height: 44 });
  }, 120_000);
});

describe('in the emails', () => {
  test('the send and the reminder of an issued invoice carry the logo it was issued with, as a part of the message its HTML shows', async () => {
    expect((await s.api('PUT', '/settings/invoices', { seller: SELLER, currency: 'EUR' })).status).toBe(200);
    const issuedWith = pngLogo(50, 20);
    expect((await putLogo(issuedWith, 'image/png')).status).toBe(200);
    const inv = await issue('Mailed with logo');
    expect((await s.api('POST', `/invoices/${inv.id}/send`)).status).toBe(200);
    // A new logo afterwards does not change what this invoice's mail shows.
    expect((await putLogo(jpegLogo(30, 30), 'image/jpeg')).status).toBe(200);
    expect((await s.api('POST', `/invoices/${inv.id}/remind`)).status).toBe(201);
    const number = (await s.api('GET', `/invoices/${inv.id}`)).body.number as string;
    const mails = await until('the send and the reminder in the outbox', async () => {
      const dir = process.env.OUTBOX_DIR!;
      if (!existsSync(dir)) return false;
      const parsed = await Promise.all(
        readdirSync(dir).map((f) => simpleParser(readFileSync(join(dir, f)), { skipImageLinks: true })),
      );
      const ours = parsed.filter((m) => (m.text ?? '').includes(number));
      return ours.length >= 2 && ours;
    });
    for (const mail of mails) {
      const logos = mail.attachments.filter((a) => a.cid === 'seller-logo');
      expect(logos).toHaveLength(1);
      expect(logos[0]!.contentType).toBe('image/png');
      expect(sha(new Uint8Array(logos[0]!.content))).toBe(sha(issuedWith));
      expect(mail.html).toContain('cid:seller-logo');
      expect(mail.html).toContain(`alt="${SELLER.legalName}"`);
    }
  }, 120_000);
});

async function buyerPage(slug: string) {
  const page = await browser.newPage();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  try {
    const res = await page.goto(`${s.stack.baseUrl}/i/${slug}`, { waitUntil: 'load' });
    expect(res!.status()).toBe(200);
    // (An expression as a string: this project compiles without the DOM library.)
    const logo = (await page.evaluate(`(() => {
      const img = document.querySelector('.from img.logo');
      return img ? { complete: img.complete && img.naturalWidth > 0, width: img.naturalWidth, height: img.naturalHeight, src: img.src.slice(0, 15) } : null;
    })()`)) as { complete: boolean; width: number; height: number; src: string } | null;
    return { logo, violations, csp: res!.headers()['content-security-policy'] ?? '' };
  } finally {
    await page.close();
  }
}

/** Over 1 MB: a real PNG header followed by more bytes than the limit allows. */
function bigPng(): Uint8Array {
  const out = new Uint8Array(1_000_001);
  out.set(pngLogo(20, 20));
  return out;
}

/** The logo objects in the emulator's bucket (s3rver keeps them as files under the stack's folder). */
async function listLogoKeys(): Promise<string[]> {
  const { S3Client, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: s.stack.s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const out = await s3.send(new ListObjectsV2Command({ Bucket: s.stack.s3.bucket, Prefix: 'logos/' }));
  s3.destroy();
  return (out.Contents ?? []).map((o) => o.Key!);
}
