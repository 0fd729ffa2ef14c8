import { afterAll, beforeAll, expect, test } from 'vitest';
import { link } from '../../../domain/audit/chain.js';
import { S3DocumentStore } from '../../../functions/s3/s3-document-store.js';
import { startStreamStack, type StreamStack } from '../../support/stream-stack.js';
import { until } from '../../support/until.js';

let s: StreamStack;

beforeAll(async () => {
  s = await startStreamStack('audit-pdf');
});
afterAll(() => s?.close());

type ChainEntry = {
  sequence: number;
  entryType: string;
  documentId: string;
  sha256: string;
  previous: string;
  chain: string;
};

const chain = async (): Promise<ChainEntry[]> => (await s.api('GET', '/audit/chain?limit=100')).body.results;

test('a stored PDF appends its own link with the file hash, and a pdfStored entry by the renderer', async () => {
  const draft = (
    await s.api('POST', '/invoices', { contacts: [s.contactId], lineItems: [{ name: 'Work', unitPrice: 12_000 }] })
  ).body;
  expect((await s.api('POST', `/invoices/${draft.id}/finalize`)).status).toBe(200);
  const ready = await until('the PDF of the open invoice', async () => {
    const inv = (await s.api('GET', `/invoices/${draft.id}`)).body;
    return inv.pdf.status === 'ready' && inv;
  });
  const entries = await until('the PDF link', async () => {
    const c = await chain();
    return c.length === 2 && c;
  });
  expect(entries.map((e) => [e.sequence, e.entryType, e.documentId])).toEqual([
    [1, 'invoice', draft.id],
    [2, 'pdf', draft.id],
  ]);
  expect(entries[1]!.sha256).toBe(ready.pdf.sha256);
  expect(entries[1]!.previous).toBe(entries[0]!.chain);
  expect(entries[1]!.chain).toBe(link(entries[0]!.chain, entries[1]!.sha256));

  const history = (await s.api('GET', `/invoices/${draft.id}/history`)).body.results as {
    action: string;
    actor: { type: string; id: string };
    detail?: { sha256: string };
  }[];
  expect(history.map((e) => e.action)).toEqual(['created', 'finalized', 'pdfStored']);
  expect(history[2]!.actor).toEqual({ type: 'system', id: 'document-renderer' });
  expect(history[2]!.detail?.sha256).toBe(ready.pdf.sha256);

  // The credit note: its own link when issued, and its PDF's when stored.
  const cn = await s.api('POST', `/invoices/${draft.id}/credit-notes`, { amount: 1_000, reason: 'Goodwill' });
  expect(cn.status).toBe(201);
  const all = await until('the credit note and the PDFs after it', async () => {
    const c = await chain();
    const types = c.map((e) => `${e.entryType}:${e.documentId === cn.body.id ? 'cn' : 'inv'}`);
    return types.includes('pdf:cn') && types.filter((t) => t === 'pdf:inv').length === 2 && c;
  });
  expect(all.map((e) => e.sequence)).toEqual(all.map((_, i) => i + 1));
  expect(all[2]).toMatchObject({ entryType: 'creditNote', documentId: cn.body.id });
  expect((await s.api('GET', '/audit/verify')).body).toEqual({ ok: true, checked: all.length, firstBreak: null });

  // A stored file rewritten in the bucket (what Object Lock forbids in AWS) is found by its hash.
  const link2 = await s.api('GET', `/invoices/${draft.id}/pdf`);
  const key = decodeURIComponent(new URL(link2.body.url).pathname.split('/').slice(2).join('/'));
  const bucket = new S3DocumentStore({ bucket: s.stack.s3.bucket, region: 'us-east-1', endpoint: s.stack.s3.endpoint });
  const firstPdf = all.find((e) => e.entryType === 'pdf')!;
  const original = await bucket.get(key);
  expect(original).not.toBeNull();
  await bucket.put(key, new TextEncoder().encode('%PDF-1.7 forged'), 'application/pdf');
  const verdict = (await s.api('GET', '/audit/verify')).body;
  expect(verdict.ok).toBe(false);
  expect(verdict.firstBreak.reason).toBe('document');
  expect(verdict.firstBreak.documentId).toBe(draft.id);
  expect(verdict.firstBreak.sequence).toBeGreaterThanOrEqual(firstPdf.sequence);
});
