import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { INVOICE_CSP, payablePageCsp } from '../../domain/documents/invoice-template.js';
import { pdfKey } from '../../domain/documents/pdf-key.js';
import type { Invoice } from '../../domain/invoices/invoice.js';
import { documentClient } from '../../functions/dynamodb/client.js';
import { DynamoPdfRecordStore } from '../../functions/dynamodb/pdf-record-store.js';
import { S3DocumentStore } from '../../functions/s3/s3-document-store.js';
import { client, startStack, uniqueAccount, type Stack } from '../support/local-stack.js';

let stack: Stack;
let api: ReturnType<typeof client>;
let accountId: string;
let contactId: string;
const FAKE_PDF = new TextEncoder().encode(
  '%PDF-1.7\n% a stand-in: these tests are about the routes, not the rendering\n',
);

beforeAll(async () => {
  stack = await startStack();
  accountId = uniqueAccount();
  api = client(stack.baseUrl, await stack.token(accountId));
  contactId = (await api('POST', '/contacts', { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' }))
    .body.id;
});
afterAll(() => stack.close());

/** The API leaves the tenant out of its objects; the key builders need it back. */
const draft = async (extra: object = {}): Promise<Invoice> => ({
  ...(
    await api('POST', '/invoices', {
      contacts: [contactId],
      lineItems: [{ name: 'Compiler work', quantity: 2, unitPrice: 61_728 }],
      ...extra,
    })
  ).body,
  accountId,
});

async function open(extra: object = {}): Promise<Invoice & { url: string }> {
  const inv = await draft(extra);
  return { ...(await api('POST', `/invoices/${inv.id}/finalize`)).body, accountId };
}

/** What the stream handler leaves behind once it has rendered: the object in S3 and its record. */
async function seedPdf(inv: Invoice) {
  const key = pdfKey(inv);
  await new S3DocumentStore({ bucket: stack.s3.bucket, region: 'us-east-1', endpoint: stack.s3.endpoint }).put(
    key,
    FAKE_PDF,
    'application/pdf',
  );
  const records = new DynamoPdfRecordStore(
    documentClient({ tableName: stack.tableName, endpoint: stack.endpoint, region: 'us-east-1' }),
    stack.tableName,
  );
  await records.put(accountId, inv.id, { key, sha256: 'unused', status: inv.status, version: inv.version });
}

/** A GET with a chosen Host header (fetch will not send one), as a connected domain's request arrives. */
function getWithHost(
  path: string,
  host: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(stack.baseUrl + path);
    const req = request({ host: url.hostname, port: url.port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const expectHtmlDocument = (res: { status: number; headers: Headers }, csp = INVOICE_CSP) => {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('content-security-policy')).toBe(csp);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
};

describe('GET /invoices/{id}/preview', () => {
  test('a draft: 200 text/html with the CSP, the DRAFT mark and the bill-to', async () => {
    const inv = await draft();
    const res = await api('GET', `/invoices/${inv.id}/preview`);
    expectHtmlDocument(res);
    expect(res.body).toContain('class="mark draft"');
    expect(res.body).toContain(inv.number!);
    expect(res.body).toContain('Grace Hopper');
    expect(res.body).toContain('$1,234.56');
  });

  test('needs invoices:read, and another account’s invoice is a 404', async () => {
    const inv = await draft();
    expect((await client(stack.baseUrl, null)('GET', `/invoices/${inv.id}/preview`)).status).toBe(401);
    expect(
      (
        await client(stack.baseUrl, await stack.token(accountId, { permissions: ['crm:read'] }))(
          'GET',
          `/invoices/${inv.id}/preview`,
        )
      ).status,
    ).toBe(403);
    const other = client(stack.baseUrl, await stack.token(uniqueAccount()));
    expect((await other('GET', `/invoices/${inv.id}/preview`)).status).toBe(404);
    expect((await other('GET', `/invoices/${inv.id}/pdf`)).status).toBe(404);
  });
});

describe('GET /invoices/{id}/pdf', () => {
  test('a draft: 409 naming its status', async () => {
    const inv = await draft();
    const res = await api('GET', `/invoices/${inv.id}/pdf`);
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.currentStatus).toBe('draft');
    expect(res.body.detail).toContain('draft');
  });

  test('once rendered: 200 { url, expiresAt }, a link of at most 15 minutes that serves the PDF', async () => {
    const inv = await open();
    await seedPdf(inv);
    const res = await api('GET', `/invoices/${inv.id}/pdf`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['expiresAt', 'url']);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const lifetime = new Date(res.body.expiresAt).getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(0);
    expect(lifetime).toBeLessThanOrEqual(900_000);
    expect(Number(new URL(res.body.url).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(900);
    const pdf = await fetch(res.body.url);
    expect(pdf.status).toBe(200);
    expect(new Uint8Array(await pdf.arrayBuffer())).toEqual(FAKE_PDF);
  });
});

describe('buyer routes (no token)', () => {
  const buyer = () => client(stack.baseUrl, null);

  test('a draft’s slug and an unknown slug are 404, page and PDF alike', async () => {
    const inv = await draft();
    for (const path of [
      `/i/${inv.slug}`,
      `/i/${inv.slug}/pdf`,
      '/i/0123456789abcdef0123456789abcdef',
      '/i/0123456789abcdef0123456789abcdef/pdf',
      '/i/NOT_A_SLUG',
    ]) {
      expect((await buyer()('GET', path)).status, path).toBe(404);
    }
  });

  test('an open invoice’s page: 200 HTML with the CSP and the Download PDF link, which redirects to a fresh signed link', async () => {
    const inv = await open();
    const page = await buyer()('GET', `/i/${inv.slug}`);
    // It offers Pay (locally every account is connected to the emulator): its one form may post to
    // this origin and be sent on to the hosted checkout, nowhere else.
    expectHtmlDocument(page, payablePageCsp(stack.payments.endpoint));
    expect(page.body).toContain('<form class="pay" method="post"');
    expect(page.headers.get('x-robots-tag')).toContain('noindex');
    expect(page.body).toContain(inv.number!);
    expect(page.body).toContain(`href="${inv.slug}/pdf"`);

    await seedPdf(inv);
    const redirect = await fetch(`${stack.baseUrl}/i/${inv.slug}/pdf`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('cache-control')).toBe('no-store');
    const location = redirect.headers.get('location')!;
    expect(location.startsWith(`${stack.s3.endpoint}/${stack.s3.bucket}/${pdfKey(inv)}?`)).toBe(true);
    expect(new URL(location).searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(new Uint8Array(await (await fetch(location)).arrayBuffer())).toEqual(FAKE_PDF);
  });

  test('a voided invoice shows as void, with no payment options', async () => {
    const inv = await open();
    await api('POST', `/invoices/${inv.id}/void`);
    const page = await buyer()('GET', `/i/${inv.slug}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('This invoice has been voided');
    expect(page.body).not.toContain('class="payment"');
  });

  test('an invoice on a connected domain is served on that domain, not on the service host', async () => {
    await api('PUT', '/settings/invoices', { domains: ['billing.example.com'] });
    const slug = `bill-${accountId.slice(-8).toLowerCase()}`;
    const inv = await open({ domain: 'billing.example.com', slug });
    expect(inv.url).toBe(`https://billing.example.com/i/${slug}`);
    const onDomain = await getWithHost(`/i/${slug}`, 'billing.example.com');
    expect(onDomain.status).toBe(200);
    expect(onDomain.body).toContain(inv.number!);
    expect((await buyer()('GET', `/i/${slug}`)).status).toBe(404);
    // Another domain does not serve it either.
    expect((await getWithHost(`/i/${slug}`, 'elsewhere.example.org')).status).toBe(404);
  });
});
