import { beforeEach, describe, expect, test } from 'vitest';
import {
  PDF_LINK_SECONDS,
  buyerInvoicePage,
  buyerPdfLink,
  invoicePdfLink,
  previewInvoice,
  type BuyerRequest,
  type DocumentDeps,
} from '../../../../domain/documents/document-use-cases.js';
import { pdfKey } from '../../../../domain/documents/pdf-key.js';
import { testChange } from '../../../support/audit-change.js';
import type { Invoice } from '../../../../domain/invoices/invoice.js';
import type { DocumentStore, PdfRecord, PdfRecordStore } from '../../../../domain/ports.js';
import { DEFAULT_SETTINGS } from '../../../../domain/settings/settings.js';
import { actorFor, domainError, inMemoryDeps, type InMemoryDeps } from '../../../support/in-memory.js';
import { sampleCompany, sampleContact, sampleInvoice } from '../../../support/sample-invoice.js';

class MemoryPdfRecords implements PdfRecordStore {
  readonly records = new Map<string, PdfRecord>();
  async get(accountId: string, invoiceId: string) {
    return this.records.get(`${accountId}#${invoiceId}`) ?? null;
  }
  async put(accountId: string, invoiceId: string, record: PdfRecord) {
    const current = this.records.get(`${accountId}#${invoiceId}`);
    if (!current || current.version < record.version) this.records.set(`${accountId}#${invoiceId}`, record);
  }
}

/** Signs nothing: records what was asked, so the tests see which key and lifetime a link got. */
class FakeDocuments implements DocumentStore {
  readonly signed: { key: string; seconds: number; filename: string | undefined }[] = [];
  async put() {}
  async get() {
    return null;
  }
  async signedUrl(key: string, seconds: number, options: { filename?: string } = {}) {
    this.signed.push({ key, seconds, filename: options.filename });
    return { url: `https://bucket.example/${key}?sig`, expiresAt: '2026-11-27T15:05:00.000Z' };
  }
}

const ACC = 'acc_docs';
const me = actorFor(ACC);
const SERVICE = 'invoices.example.net';
let d: InMemoryDeps;
let deps: DocumentDeps;
let records: MemoryPdfRecords;
let documents: FakeDocuments;

beforeEach(async () => {
  d = inMemoryDeps();
  records = new MemoryPdfRecords();
  documents = new FakeDocuments();
  deps = { ...d.deps, pdfRecords: records, documents };
  await d.contacts.create(sampleContact());
  await d.companies.create(sampleCompany());
});

const store = (overrides: Partial<Invoice>) => d.invoices.create(sampleInvoice(overrides), testChange());
const at = (slug: string, host: string | undefined = SERVICE): BuyerRequest => ({ slug, host, serviceHost: SERVICE });

describe('previewInvoice', () => {
  test('renders any status, drafts included, with the bill-to from the CRM records', async () => {
    const draft = await store({ status: 'draft', number: null });
    const html = await previewInvoice(deps, me, draft.id);
    expect(html).toContain('class="mark draft"');
    expect(html).toContain('Ada Lovelace');
    expect(html).toContain('Analytical Engines B.V.');
    expect(html).not.toContain('Download PDF');
  });

  test('another account’s invoice is not found', async () => {
    const inv = await store({});
    expect((await domainError(previewInvoice(deps, actorFor('acc_other'), inv.id))).code).toBe('not_found');
  });

  test('a contact deleted since drops off the bill-to', async () => {
    const inv = await store({ contacts: ['con_1', 'con_gone'] });
    expect(await previewInvoice(deps, me, inv.id)).toContain('Ada Lovelace');
  });
});

describe('invoicePdfLink', () => {
  test('a draft has no PDF: 409 naming its status', async () => {
    const draft = await store({ status: 'draft' });
    const e = await domainError(invoicePdfLink(deps, me, draft.id));
    expect(e.code).toBe('conflict');
    expect(e.message).toContain('draft');
    expect(e.extra).toEqual({ currentStatus: 'draft' });
  });

  test('before the first PDF is rendered: 409 saying it is being rendered', async () => {
    const open = await store({ status: 'open' });
    const e = await domainError(invoicePdfLink(deps, me, open.id));
    expect(e.code).toBe('conflict');
    expect(e.message).toMatch(/being rendered/);
  });

  test('signs the recorded object for at most 15 minutes, downloaded under the invoice number', async () => {
    const open = await store({ status: 'open' });
    const key = pdfKey(open);
    await records.put(ACC, open.id, { key, sha256: 'abc', status: 'open', version: open.version });
    const link = await invoicePdfLink(deps, me, open.id);
    expect(link.url).toContain(key);
    expect(documents.signed).toEqual([{ key, seconds: PDF_LINK_SECONDS, filename: 'INV-1001.pdf' }]);
    expect(PDF_LINK_SECONDS).toBeLessThanOrEqual(900);
  });
});

describe('buyer routes', () => {
  test('an open invoice’s page on the service host, with the Download PDF link', async () => {
    const inv = await store({ status: 'open' });
    const html = await buyerInvoicePage(deps, at(inv.slug));
    expect(html).toContain('INV-1001');
    expect(html).toContain(`href="${inv.slug}/pdf"`);
  });

  test('a draft’s slug and an unknown slug are the same 404', async () => {
    const draft = await store({ status: 'draft' });
    const a = await domainError(buyerInvoicePage(deps, at(draft.slug)));
    const b = await domainError(buyerInvoicePage(deps, at('no-such-slug')));
    expect([a.code, b.code]).toEqual(['not_found', 'not_found']);
    expect(a.message).toBe(b.message);
    expect((await domainError(buyerPdfLink(deps, at(draft.slug)))).code).toBe('not_found');
  });

  test('a slug of the wrong shape is not looked up at all', async () => {
    for (const slug of ['', 'UPPER', '../etc', 'a'.repeat(65), 'x y']) {
      expect((await domainError(buyerInvoicePage(deps, at(slug)))).code).toBe('not_found');
    }
  });

  test('on a connected domain the slug is looked up under that domain', async () => {
    await d.settings.save(ACC, { ...DEFAULT_SETTINGS, domains: ['billing.example.com'] }, 0, '2026-11-27T10:00:00Z');
    const onDomain = await store({ status: 'open', domain: 'billing.example.com', slug: 'november' });
    await d.invoices.create(
      sampleInvoice({ id: 'inv_02PLAIN', number: 'INV-1002', status: 'open', slug: 'november' }),
      testChange(),
    );
    expect(await buyerInvoicePage(deps, at('november', 'Billing.Example.com'))).toContain('INV-1001');
    expect(await buyerInvoicePage(deps, at('november', 'billing.example.com:443'))).toContain('INV-1001');
    // The service host serves the invoice without a domain.
    expect(await buyerInvoicePage(deps, at('november'))).toContain('INV-1002');
    expect(onDomain.domain).toBe('billing.example.com');
  });

  test('a domain the account has disconnected no longer serves its invoices', async () => {
    await d.settings.save(ACC, { ...DEFAULT_SETTINGS, domains: [] }, 0, '2026-11-27T10:00:00Z');
    await store({ status: 'open', domain: 'billing.example.com', slug: 'november' });
    expect((await domainError(buyerInvoicePage(deps, at('november', 'billing.example.com')))).code).toBe('not_found');
  });

  test('another host falls back to the service’s own slugs', async () => {
    const inv = await store({ status: 'open' });
    expect(await buyerInvoicePage(deps, at(inv.slug, 'abc123.execute-api.us-east-1.amazonaws.com'))).toContain(
      'INV-1001',
    );
  });

  test('the PDF link is a fresh signed link to the recorded object', async () => {
    const inv = await store({ status: 'paid' });
    await records.put(ACC, inv.id, { key: pdfKey(inv), sha256: 'abc', status: 'paid', version: inv.version });
    const link = await buyerPdfLink(deps, at(inv.slug));
    expect(link.url).toContain(pdfKey(inv));
  });

  test('a voided invoice’s page shows it void, with no payment options', async () => {
    const inv = await store({ status: 'voided' });
    const html = await buyerInvoicePage(deps, at(inv.slug));
    expect(html).toContain('class="mark voided"');
    expect(html).not.toContain('class="payment"');
  });
});
