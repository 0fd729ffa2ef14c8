import { beforeEach, describe, expect, test } from 'vitest';
import { chainPage, verifyChain } from '../../../../domain/audit/audit-use-cases.js';
import { canonicalJson, GENESIS, invoiceHash, link } from '../../../../domain/audit/chain.js';
import { issueCreditNote } from '../../../../domain/credit-notes/credit-note-use-cases.js';
import { invoiceEditInput } from '../../../../domain/invoices/invoice-input.js';
import { createInvoice, finalizeInvoice, markInvoicePaid } from '../../../../domain/invoices/invoice-use-cases.js';
import { actorFor, inMemoryDeps, seedContact, type InMemoryDeps } from '../../../support/in-memory.js';
import { sampleInvoice } from '../../../support/sample-invoice.js';

const ACC = 'acc_1';
const me = actorFor(ACC);
let d: InMemoryDeps;

beforeEach(() => {
  d = inMemoryDeps('2026-11-27T15:00:00Z');
});

const auditDeps = () => ({ ...d.deps, audit: d.audit });

async function issue() {
  const contact = await seedContact(d, ACC);
  const inv = await createInvoice(
    d.deps,
    me,
    invoiceEditInput.parse({ contacts: [contact], lineItems: [{ name: 'W', unitPrice: 1_000 }] }),
  );
  return finalizeInvoice(d.deps, me, inv.id);
}

describe('canonical JSON (RFC 8785)', () => {
  test('the same document in any key order, and numbers however written, hash alike', () => {
    expect(canonicalJson({ b: 1, a: [1.0, 'x'], c: { z: null, y: 1e2 } })).toBe(
      '{"a":[1,"x"],"b":1,"c":{"y":100,"z":null}}',
    );
    const inv = sampleInvoice({ number: 'INV-1', status: 'open' });
    const reordered = Object.fromEntries(Object.entries(inv).reverse()) as typeof inv;
    expect(invoiceHash(reordered)).toBe(invoiceHash(inv));
  });

  test('what may change after issue does not change the hash; what may not, does', () => {
    const inv = sampleInvoice({ number: 'INV-1', status: 'open' });
    const later = {
      ...inv,
      status: 'paid' as const,
      version: 9,
      pastDue: true,
      totals: { ...inv.totals, amountPaid: 5 },
    };
    expect(invoiceHash(later)).toBe(invoiceHash(inv));
    expect(invoiceHash({ ...inv, number: 'INV-2' })).not.toBe(invoiceHash(inv));
    const lines = inv.lineItems.map((l, i) => (i === 0 ? { ...l, amount: l.amount + 1 } : l));
    expect(invoiceHash({ ...inv, lineItems: lines })).not.toBe(invoiceHash(inv));
  });
});

describe('the chain of issued documents', () => {
  test('finalizes and credit notes take sequences in order, each linked to the previous', async () => {
    const a = await issue();
    const b = await issue();
    await issueCreditNote(d.deps, me, b.id, { amount: 100, reason: 'Goodwill' });
    const page = await chainPage(d, me, 10, null);
    expect(page.items.map((e) => [e.sequence, e.entryType])).toEqual([
      [1, 'invoice'],
      [2, 'invoice'],
      [3, 'creditNote'],
    ]);
    expect(page.items[0]!.documentId).toBe(a.id);
    expect(page.items[0]!.previous).toBe(GENESIS);
    expect(page.items[1]!.previous).toBe(page.items[0]!.chain);
    expect(page.items[2]!.chain).toBe(link(page.items[1]!.chain, page.items[2]!.sha256));
  });

  test('pages by sequence', async () => {
    for (let i = 0; i < 3; i++) await issue();
    const first = await chainPage(d, me, 2, null);
    expect(first.items.map((e) => e.sequence)).toEqual([1, 2]);
    const second = await chainPage(d, me, 2, first.next);
    expect(second.items.map((e) => e.sequence)).toEqual([3]);
    expect(second.next).toBeNull();
  });

  test('verify: ok after payment; names the first altered document or missing link', async () => {
    const a = await issue();
    const b = await issue();
    await markInvoicePaid(d.deps, me, a.id, { paidAt: '2026-11-27' });
    expect(await verifyChain(auditDeps(), me)).toEqual({ ok: true, checked: 2, firstBreak: null });

    const stored = d.invoices.invoices.get(`${ACC}#${b.id}`)!;
    d.invoices.invoices.set(`${ACC}#${b.id}`, { ...stored, poNumber: 'forged' });
    expect(await verifyChain(auditDeps(), me)).toEqual({
      ok: false,
      checked: 1,
      firstBreak: { sequence: 2, documentId: b.id, reason: 'document' },
    });
    d.invoices.invoices.set(`${ACC}#${b.id}`, stored);

    d.invoices.chains.set(
      ACC,
      d.invoices.chains.get(ACC)!.filter((e) => e.sequence !== 1),
    );
    expect((await verifyChain(auditDeps(), me)).firstBreak).toEqual({
      sequence: 1,
      documentId: null,
      reason: 'missing',
    });
  });
});

test('verify walks on to documents issued while it ran, ahead of the head it read', async () => {
  await issue();
  await issue();
  // The head is read after the walk; a document issued in between puts it one further than the
  // entries read. Only a sequence still absent when looked for again is a break.
  const late: { issued: boolean } = { issued: false };
  const audit = {
    history: d.audit.history.bind(d.audit),
    chain: d.audit.chain.bind(d.audit),
    head: async (accountId: string) => {
      if (!late.issued) {
        late.issued = true;
        await issue();
      }
      return d.audit.head(accountId);
    },
  };
  expect(await verifyChain({ ...auditDeps(), audit }, me)).toEqual({ ok: true, checked: 3, firstBreak: null });
});
