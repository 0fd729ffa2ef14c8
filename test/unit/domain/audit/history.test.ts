import { beforeEach, describe, expect, test } from 'vitest';
import { invoiceHistory } from '../../../../domain/audit/audit-use-cases.js';
import { changedFields, historyEntry, MAX_CHANGES_BYTES } from '../../../../domain/audit/history.js';
import { invoiceEditInput } from '../../../../domain/invoices/invoice-input.js';
import {
  createInvoice,
  deleteInvoice,
  finalizeInvoice,
  updateInvoice,
  voidInvoice,
} from '../../../../domain/invoices/invoice-use-cases.js';
import { sendInvoice } from '../../../../domain/invoices/send-invoice.js';
import { actorFor, domainError, inMemoryDeps, seedContact, type InMemoryDeps } from '../../../support/in-memory.js';
import { sampleInvoice } from '../../../support/sample-invoice.js';

const ACC = 'acc_1';
let d: InMemoryDeps;
const alice = actorFor(ACC, 'usr_alice');
const bob = actorFor(ACC, 'usr_bob');
const input = (body: unknown) => invoiceEditInput.parse(body);

beforeEach(() => {
  d = inMemoryDeps('2026-11-27T15:00:00Z');
});

const entries = async (id: string) => (await invoiceHistory({ ...d.deps, audit: d.audit }, alice, id, 100, null)).items;

describe('changedFields', () => {
  const inv = sampleInvoice({});

  test('names nested fields by path, with old and new values; ignores version, updatedAt and the PDF mark', () => {
    const next = {
      ...inv,
      poNumber: 'PO-2',
      version: inv.version + 1,
      updatedAt: '2030-01-01T00:00:00Z',
      pdf: { status: 'pending' as const, sha256: null },
      totals: { ...inv.totals, total: inv.totals.total + 1 },
    };
    expect(changedFields(inv, next)).toEqual([
      { field: 'poNumber', from: inv.poNumber, to: 'PO-2' },
      { field: 'totals.total', from: inv.totals.total, to: inv.totals.total + 1 },
    ]);
  });

  test('a created invoice lists the fields it was created with, leaving out empty ones', () => {
    const fields = changedFields(null, { ...inv, poNumber: null, deals: [] }).map((c) => c.field);
    expect(fields).toContain('status');
    expect(fields).not.toContain('poNumber');
    expect(fields).not.toContain('deals');
    expect(fields).not.toContain('version');
  });

  test('an entry too big for an item keeps the field names and says it was truncated', () => {
    const huge = 'x'.repeat(MAX_CHANGES_BYTES);
    const entry = historyEntry({ actor: { type: 'user', id: 'u' }, action: 'edited', at: 'now' }, inv, {
      ...inv,
      comments: huge,
    });
    expect(entry.truncated).toBe(true);
    expect(entry.changes).toEqual([{ field: 'comments', from: null, to: null }]);
  });
});

describe('the use cases write their entries through the store', () => {
  test('create, edit, finalize, void: in order, each with its actor', async () => {
    const contact = await seedContact(d, ACC);
    const inv = await createInvoice(
      d.deps,
      alice,
      input({ contacts: [contact], lineItems: [{ name: 'W', unitPrice: 5 }] }),
    );
    await updateInvoice(d.deps, bob, inv.id, input({ poNumber: 'PO-1' }));
    await finalizeInvoice(d.deps, alice, inv.id);
    await voidInvoice(d.deps, bob, inv.id);
    expect((await entries(inv.id)).map((e) => [e.action, e.actor])).toEqual([
      ['created', { type: 'user', id: 'usr_alice' }],
      ['edited', { type: 'user', id: 'usr_bob' }],
      ['finalized', { type: 'user', id: 'usr_alice' }],
      ['voided', { type: 'user', id: 'usr_bob' }],
    ]);
  });

  test('send', async () => {
    const contact = await seedContact(d, ACC);
    const inv = await createInvoice(
      d.deps,
      alice,
      input({ contacts: [contact], lineItems: [{ name: 'W', unitPrice: 5 }] }),
    );
    await finalizeInvoice(d.deps, alice, inv.id);
    const sent: unknown[] = [];
    const mailer = { send: async (m: unknown) => void sent.push(m) };
    await sendInvoice({ ...d.deps, mailer, publicBaseUrl: 'https://x.example' }, bob, inv.id);
    expect(sent).toHaveLength(1);
    const last = (await entries(inv.id)).at(-1)!;
    expect(last.action).toBe('sent');
    expect(last.actor).toEqual({ type: 'user', id: 'usr_bob' });
    expect(last.changes.map((c) => c.field)).toEqual(['sentAt']);
  });

  test('a refused action writes nothing', async () => {
    const inv = await createInvoice(d.deps, alice, input({}));
    expect((await domainError(finalizeInvoice(d.deps, alice, inv.id))).code).toBe('validation');
    expect((await domainError(voidInvoice(d.deps, alice, inv.id))).code).toBe('conflict');
    expect((await domainError(updateInvoice(d.deps, alice, inv.id, input({ poNumber: 'x' }), 7))).code).toBe(
      'precondition_failed',
    );
    expect((await entries(inv.id)).map((e) => e.action)).toEqual(['created']);
  });

  test("a deleted draft's history is readable until it expires, then the id is a 404", async () => {
    const inv = await createInvoice(d.deps, alice, input({}));
    await deleteInvoice(d.deps, bob, inv.id);
    expect((await entries(inv.id)).map((e) => e.action)).toEqual(['created', 'deleted']);
    d.clock.set('2027-02-27T15:00:00Z');
    expect((await domainError(entries(inv.id))).code).toBe('not_found');
  });
});
