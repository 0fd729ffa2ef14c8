import { beforeEach, describe, expect, test } from 'vitest';
import type { Actor } from '../../../../domain/auth/actor.js';
import {
  associate,
  cloneInvoice,
  createInvoice,
  deleteInvoice,
  dissociate,
  finalizeInvoice,
  getInvoice,
  listInvoices,
  markInvoicePaid,
  updateInvoice,
  voidInvoice,
} from '../../../../domain/invoices/invoice-use-cases.js';
import { invoiceEditInput, markPaidInput } from '../../../../domain/invoices/invoice-input.js';
import type { Invoice } from '../../../../domain/invoices/invoice.js';
import { updateSettings } from '../../../../domain/settings/settings-use-cases.js';
import { settingsInput } from '../../../../domain/settings/settings-input.js';
import {
  actorFor,
  domainError,
  inMemoryDeps,
  seedCompany,
  seedContact,
  type InMemoryDeps,
} from '../../../support/in-memory.js';

const ACC = 'acc_1';
const NOW = '2026-11-27T15:00:00Z';
let d: InMemoryDeps;
let me: Actor;

beforeEach(() => {
  d = inMemoryDeps(NOW);
  me = actorFor(ACC);
});

const input = (body: unknown) => invoiceEditInput.parse(body);
const create = (body: unknown = {}) => createInvoice(d.deps, me, input(body));
const settle = (body: unknown) =>
  updateSettings({ settings: d.settings, clock: d.clock }, me, settingsInput.parse(body));
const line = { name: 'Consulting', unitPrice: 10_000 };

/** A draft that can be finalized: one contact, one line. */
async function readyDraft(body: Record<string, unknown> = {}): Promise<Invoice> {
  const contact = await seedContact(d, ACC);
  return create({ contacts: [contact], lineItems: [line], ...body });
}
const openInvoice = async () => finalizeInvoice(d.deps, me, (await readyDraft()).id);
const stored = async (id: string) => (await d.invoices.get(ACC, id))!;

describe('createInvoice', () => {
  test('numbers drafts at once in onCreate mode: INV-1001, then INV-1002', async () => {
    const a = await create();
    const b = await create();
    expect([a.number, b.number]).toEqual(['INV-1001', 'INV-1002']);
    expect(a).toMatchObject({
      status: 'draft',
      version: 1,
      owner: 'user_1',
      accountId: ACC,
      createdAt: NOW,
      updatedAt: NOW,
    });
    expect((await stored(a.id)).number).toBe('INV-1001');
  });

  test('a deleted numbered draft does not give its number back', async () => {
    const a = await create();
    await deleteInvoice(d.deps, me, a.id);
    expect((await create()).number).toBe('INV-1002');
  });

  test('each account has its own counter', async () => {
    await create();
    const other = await createInvoice(d.deps, actorFor('acc_2'), input({}));
    expect(other.number).toBe('INV-1001');
  });

  test('the invoice date defaults to today in the account’s time zone', async () => {
    d.clock.set('2026-11-28T03:30:00Z'); // 22:30 on the 27th in New York
    const inv = await create({ paymentTerms: 'net30' });
    expect(inv.invoiceDate).toBe('2026-11-27');
    expect(inv.dueDate).toBe('2026-12-27');
    await settle({ timeZone: 'Asia/Tokyo' });
    expect((await create()).invoiceDate).toBe('2026-11-28');
  });

  test('defaults come from the settings', async () => {
    await settle({
      currency: 'EUR',
      defaultLanguage: 'nl',
      defaultLocale: 'nl-NL',
      paymentMethods: ['card'],
      collectBillingAddress: true,
    });
    const inv = await create();
    expect(inv).toMatchObject({
      currency: 'EUR',
      language: 'nl',
      locale: 'nl-NL',
      billing: { paymentMethods: ['card'], collectBillingAddress: true, collectShippingAddress: false },
    });
  });

  test('computes line amounts and totals', async () => {
    const inv = await create({
      lineItems: [{ name: 'A', unitPrice: 333, quantity: 3, discount: { type: 'percent', value: 10 }, taxRate: 10 }],
    });
    expect(inv.totals).toEqual({
      subtotal: 999,
      discount: 100,
      tax: 90,
      total: 989,
      amountPaid: 0,
      creditedAmount: 0,
      balanceDue: 989,
    });
  });

  test('contacts that do not exist in the account are validation errors naming contacts.i', async () => {
    const mine = await seedContact(d, ACC);
    const theirs = await seedContact(d, 'acc_2');
    const e = await domainError(create({ contacts: ['con_404'] }));
    expect(e.code).toBe('validation');
    expect(e.errors.map((x) => x.path)).toEqual(['contacts.0']);
    const mixed = await domainError(create({ contacts: [mine, theirs] }));
    expect(mixed.errors.map((x) => x.path)).toEqual(['contacts.1']);
    expect(d.invoices.invoices.size).toBe(0);
    expect(d.counters.size).toBe(0); // a refused create takes no number
  });

  test('a company from another account and an unconnected domain are refused', async () => {
    const theirs = await seedCompany(d, 'acc_2');
    const e = await domainError(create({ company: theirs, domain: 'billing.example.com' }));
    expect(e.code).toBe('validation');
    expect(e.errors.map((x) => x.path)).toEqual(['company', 'domain']);
    await settle({ domains: ['billing.example.com'] });
    const mine = await seedCompany(d, ACC);
    expect(await create({ company: mine, domain: 'billing.example.com' })).toMatchObject({
      company: mine,
      domain: 'billing.example.com',
    });
  });

  test('slugs are unique per domain', async () => {
    await settle({ domains: ['billing.example.com'] });
    await create({ slug: 'november' });
    const e = await domainError(create({ slug: 'november' }));
    expect(e.code).toBe('conflict');
    expect(e.errors.map((x) => x.path)).toEqual(['slug']);
    expect((await create({ slug: 'november', domain: 'billing.example.com' })).slug).toBe('november');
  });

  test('a slug is freed when its draft moves to another slug or is deleted', async () => {
    const a = await create({ slug: 'first' });
    await updateInvoice(d.deps, me, a.id, input({ slug: 'second' }));
    expect((await create({ slug: 'first' })).slug).toBe('first');
    expect((await domainError(create({ slug: 'second' }))).code).toBe('conflict');
    await deleteInvoice(d.deps, me, a.id);
    expect((await create({ slug: 'second' })).slug).toBe('second');
  });

  test('every draft gets its own slug', async () => {
    const a = await create();
    const b = await create();
    expect(a.slug).not.toBe(b.slug);
  });
});

describe('onFinalize numbering', () => {
  beforeEach(() => settle({ numbering: 'onFinalize' }));

  test('drafts have no number; finalizing hands out contiguous numbers in finalize order', async () => {
    const a = await readyDraft();
    const b = await readyDraft();
    const c = await readyDraft();
    expect([a.number, b.number, c.number]).toEqual([null, null, null]);
    expect((await finalizeInvoice(d.deps, me, c.id)).number).toBe('INV-1001');
    expect((await finalizeInvoice(d.deps, me, a.id)).number).toBe('INV-1002');
    expect((await stored(b.id)).number).toBeNull();
    expect((await finalizeInvoice(d.deps, me, b.id)).number).toBe('INV-1003');
  });

  test('refused finalizes, deleted drafts and lost races leave no gaps', async () => {
    const incomplete = await create({ lineItems: [line] });
    expect((await domainError(finalizeInvoice(d.deps, me, incomplete.id))).code).toBe('validation');
    await deleteInvoice(d.deps, me, (await readyDraft()).id);
    const raced = await readyDraft();
    d.invoices.interleave(() => ({ poNumber: 'changed meanwhile' }));
    expect((await finalizeInvoice(d.deps, me, raced.id)).number).toBe('INV-1001');
    expect((await openInvoice()).number).toBe('INV-1002');
  });

  test('a clone has no number until it is finalized', async () => {
    const source = await openInvoice();
    const clone = await cloneInvoice(d.deps, me, source.id);
    expect(clone.number).toBeNull();
    expect((await finalizeInvoice(d.deps, me, clone.id)).number).toBe('INV-1002');
  });

  test('a draft numbered in onCreate mode keeps its number when finalized later', async () => {
    await settle({ numbering: 'onCreate' });
    const numbered = await readyDraft();
    await settle({ numbering: 'onFinalize' });
    const unnumbered = await readyDraft();
    expect((await finalizeInvoice(d.deps, me, numbered.id)).number).toBe('INV-1001');
    expect((await finalizeInvoice(d.deps, me, unnumbered.id)).number).toBe('INV-1002');
  });
});

describe('finalizeInvoice', () => {
  test('draft → open, stamped, numbered as it was, version bumped', async () => {
    const draft = await readyDraft();
    d.clock.set('2026-11-27T16:00:00Z');
    const open = await finalizeInvoice(d.deps, me, draft.id);
    expect(open).toMatchObject({
      status: 'open',
      number: 'INV-1001',
      finalizedAt: '2026-11-27T16:00:00Z',
      updatedAt: '2026-11-27T16:00:00Z',
      version: 2,
    });
    expect(await stored(draft.id)).toEqual(open);
  });

  test('needs at least one contact and one line item (422 on contacts, lineItems)', async () => {
    const empty = await create();
    const e = await domainError(finalizeInvoice(d.deps, me, empty.id));
    expect(e.code).toBe('validation');
    expect(e.errors.map((x) => x.path)).toEqual(['contacts', 'lineItems']);
    const noContact = await create({ lineItems: [line] });
    expect((await domainError(finalizeInvoice(d.deps, me, noContact.id))).errors.map((x) => x.path)).toEqual([
      'contacts',
    ]);
    const noLines = await create({ contacts: [await seedContact(d, ACC)] });
    expect((await domainError(finalizeInvoice(d.deps, me, noLines.id))).errors.map((x) => x.path)).toEqual([
      'lineItems',
    ]);
    expect((await stored(empty.id)).status).toBe('draft');
  });

  test('twice is a conflict naming the current status', async () => {
    const open = await openInvoice();
    const e = await domainError(finalizeInvoice(d.deps, me, open.id));
    expect(e.code).toBe('conflict');
    expect(e.extra).toEqual({ currentStatus: 'open' });
  });

  test('of another account’s invoice is not found', async () => {
    const draft = await readyDraft();
    expect((await domainError(finalizeInvoice(d.deps, actorFor('acc_2'), draft.id))).code).toBe('not_found');
    expect((await domainError(getInvoice(d.deps, actorFor('acc_2'), draft.id))).code).toBe('not_found');
  });
});

describe('transitions', () => {
  const paid = async () => markInvoicePaid(d.deps, me, (await openInvoice()).id, {});
  const voided = async () => voidInvoice(d.deps, me, (await openInvoice()).id);

  test.each([
    ['edit', 'open'],
    ['edit', 'paid'],
    ['delete', 'open'],
    ['delete', 'voided'],
    ['finalize', 'paid'],
    ['markPaid', 'draft'],
    ['markPaid', 'paid'],
    ['markPaid', 'voided'],
    ['void', 'draft'],
    ['void', 'paid'],
    ['void', 'voided'],
    ['associate', 'open'],
    ['dissociate', 'paid'],
  ] as const)('%s from %s is a conflict naming the status, and changes nothing', async (action, status) => {
    const inv =
      status === 'draft'
        ? await readyDraft()
        : status === 'open'
          ? await openInvoice()
          : status === 'paid'
            ? await paid()
            : await voided();
    const contact = inv.contacts[0]!;
    const calls = {
      edit: () => updateInvoice(d.deps, me, inv.id, input({ poNumber: 'x' })),
      delete: () => deleteInvoice(d.deps, me, inv.id),
      finalize: () => finalizeInvoice(d.deps, me, inv.id),
      markPaid: () => markInvoicePaid(d.deps, me, inv.id, {}),
      void: () => voidInvoice(d.deps, me, inv.id),
      associate: async () => associate(d.deps, me, inv.id, 'contacts', await seedContact(d, ACC)),
      dissociate: () => dissociate(d.deps, me, inv.id, 'contacts', contact),
    };
    const e = await domainError(calls[action]());
    expect(e.code).toBe('conflict');
    expect(e.extra.currentStatus).toBe(status);
    expect(await stored(inv.id)).toEqual(inv);
  });

  test('edit and delete work on drafts', async () => {
    const draft = await readyDraft();
    d.clock.set('2026-11-27T16:00:00Z');
    const edited = await updateInvoice(
      d.deps,
      me,
      draft.id,
      input({ poNumber: 'PO-9', lineItems: [{ name: 'B', unitPrice: 250, quantity: 2 }] }),
    );
    expect(edited).toMatchObject({
      poNumber: 'PO-9',
      version: 2,
      updatedAt: '2026-11-27T16:00:00Z',
      createdAt: NOW,
      number: 'INV-1001',
    });
    expect(edited.totals.total).toBe(500);
    await deleteInvoice(d.deps, me, draft.id);
    expect((await domainError(getInvoice(d.deps, me, draft.id))).code).toBe('not_found');
    expect((await domainError(deleteInvoice(d.deps, me, draft.id))).code).toBe('not_found');
  });

  test('editing refers only to records of the account', async () => {
    const draft = await readyDraft();
    const e = await domainError(
      updateInvoice(d.deps, me, draft.id, input({ contacts: [await seedContact(d, 'acc_2')] })),
    );
    expect(e.code).toBe('validation');
    expect(e.errors.map((x) => x.path)).toEqual(['contacts.0']);
  });

  test('void: open → voided, nothing owed', async () => {
    const open = await openInvoice();
    const v = await voidInvoice(d.deps, me, open.id);
    expect(v).toMatchObject({ status: 'voided', voidedAt: NOW, version: 3, pastDue: false });
    expect(v.totals).toMatchObject({ total: 10_000, amountPaid: 0, balanceDue: 0 });
  });
});

describe('markInvoicePaid', () => {
  const pay = (id: string, body: unknown) => markInvoicePaid(d.deps, me, id, markPaidInput.parse(body));

  test('open → paid, fully paid, now by default', async () => {
    const open = await openInvoice();
    const p = await pay(open.id, {});
    expect(p).toMatchObject({ status: 'paid', paidAt: NOW, pastDue: false, version: 3 });
    expect(p.totals).toMatchObject({ total: 10_000, amountPaid: 10_000, balanceDue: 0 });
  });

  test('a date means the start of that day in the account’s time zone', async () => {
    const a = await openInvoice();
    expect((await pay(a.id, { paidAt: '2026-11-20' })).paidAt).toBe('2026-11-20T05:00:00Z');
    await settle({ timeZone: 'Europe/Amsterdam' });
    const b = await openInvoice();
    expect((await pay(b.id, { paidAt: '2026-11-20' })).paidAt).toBe('2026-11-19T23:00:00Z');
  });

  test('an instant is kept as given', async () => {
    const open = await openInvoice();
    expect((await pay(open.id, { paidAt: '2026-11-26T10:15:00Z' })).paidAt).toBe('2026-11-26T10:15:00Z');
  });

  test('a future payment date is refused; today in the account’s zone is not the future', async () => {
    d.clock.set('2026-11-28T03:30:00Z'); // still the 27th in New York
    const open = await openInvoice();
    const tomorrow = await domainError(pay(open.id, { paidAt: '2026-11-28' }));
    expect(tomorrow.code).toBe('validation');
    expect(tomorrow.errors.map((x) => x.path)).toEqual(['paidAt']);
    const later = await domainError(pay(open.id, { paidAt: '2026-11-28T04:30:00Z' }));
    expect(later.errors.map((x) => x.path)).toEqual(['paidAt']);
    expect((await stored(open.id)).status).toBe('open');
    expect((await pay(open.id, { paidAt: '2026-11-27' })).paidAt).toBe('2026-11-27T05:00:00Z');
  });
});

describe('optimistic concurrency', () => {
  test('a stale If-Match is precondition_failed, naming the current version', async () => {
    const draft = await readyDraft();
    await updateInvoice(d.deps, me, draft.id, input({ poNumber: 'v2' }));
    const e = await domainError(updateInvoice(d.deps, me, draft.id, input({ poNumber: 'v3' }), 1));
    expect(e.code).toBe('precondition_failed');
    expect(e.extra).toEqual({ currentVersion: 2 });
    expect((await stored(draft.id)).poNumber).toBe('v2');
    expect((await updateInvoice(d.deps, me, draft.id, input({ poNumber: 'v3' }), 2)).version).toBe(3);
    expect((await domainError(finalizeInvoice(d.deps, me, draft.id, 2))).code).toBe('precondition_failed');
    expect((await domainError(deleteInvoice(d.deps, me, draft.id, 1))).code).toBe('precondition_failed');
  });

  test('without If-Match, a write that loses a race re-reads and applies to the new version', async () => {
    const draft = await readyDraft();
    d.invoices.interleave(() => ({ poNumber: 'from the other writer' }));
    const edited = await updateInvoice(d.deps, me, draft.id, input({ comments: '<p>mine</p>' }));
    expect(edited).toMatchObject({ poNumber: 'from the other writer', comments: '<p>mine</p>', version: 3 });
    expect(await stored(draft.id)).toEqual(edited);
  });

  test('with If-Match, a write that loses a race is precondition_failed, not retried', async () => {
    const draft = await readyDraft();
    d.invoices.interleave(() => ({ poNumber: 'from the other writer' }));
    const e = await domainError(updateInvoice(d.deps, me, draft.id, input({ poNumber: 'mine' }), 1));
    expect(e.code).toBe('precondition_failed');
    expect(e.extra).toEqual({ currentVersion: 2 });
    expect((await stored(draft.id)).poNumber).toBe('from the other writer');
  });

  test('of two racing transitions exactly one wins: the loser re-reads and gets a conflict', async () => {
    const open = await openInvoice();
    d.invoices.interleave(() => ({ status: 'voided', voidedAt: NOW }));
    const e = await domainError(markInvoicePaid(d.deps, me, open.id, {}));
    expect(e.code).toBe('conflict');
    expect(e.extra.currentStatus).toBe('voided');
    expect(await stored(open.id)).toMatchObject({ status: 'voided', paidAt: null });
  });

  test('a delete that races an edit re-reads and still deletes the draft', async () => {
    const draft = await readyDraft();
    d.invoices.interleave(() => ({ poNumber: 'edited meanwhile' }));
    await deleteInvoice(d.deps, me, draft.id);
    expect(await d.invoices.get(ACC, draft.id)).toBeNull();
  });

  test('contention that never settles is unavailable', async () => {
    const draft = await readyDraft();
    d.invoices.interleave(...Array.from({ length: 8 }, () => () => ({})));
    expect((await domainError(updateInvoice(d.deps, me, draft.id, input({ poNumber: 'x' })))).code).toBe('unavailable');
  });
});

describe('cloneInvoice', () => {
  test('a new draft with the same content, a new number and slug, dated today', async () => {
    const source = await readyDraft({ paymentTerms: 'net30', poNumber: 'PO-1', comments: '<p>hi</p>' });
    await finalizeInvoice(d.deps, me, source.id);
    await markInvoicePaid(d.deps, me, source.id, {});
    d.clock.set('2026-12-10T15:00:00Z');
    const clone = await cloneInvoice(d.deps, me, source.id);
    expect(clone).toMatchObject({
      status: 'draft',
      number: 'INV-1002',
      invoiceDate: '2026-12-10',
      dueDate: '2027-01-09',
      paymentTerms: 'net30',
      poNumber: 'PO-1',
      contacts: source.contacts,
      comments: '<p>hi</p>',
      version: 1,
      finalizedAt: null,
      paidAt: null,
      totals: { total: 10_000, amountPaid: 0, balanceDue: 10_000 },
    });
    expect(clone.id).not.toBe(source.id);
    expect(clone.slug).not.toBe(source.slug);
    expect(clone.lineItems.map((l) => [l.name, l.unitPrice, l.quantity, l.amount])).toEqual([
      ['Consulting', 10_000, 1, 10_000],
    ]);
    expect(clone.lineItems[0]?.id).not.toBe(source.lineItems[0]?.id);
    expect((await stored(source.id)).status).toBe('paid');
  });

  test('drops bill-to records deleted since', async () => {
    const company = await seedCompany(d, ACC);
    const source = await readyDraft({ company });
    const contact = (await d.contacts.get(ACC, source.contacts[0]!))!;
    await d.contacts.remove(contact);
    await d.companies.remove((await d.companies.get(ACC, company))!);
    const clone = await cloneInvoice(d.deps, me, source.id);
    expect(clone).toMatchObject({ contacts: [], company: null });
  });

  test('keeps a custom due date’s distance', async () => {
    const source = await create({ paymentTerms: 'custom', invoiceDate: '2026-11-01', dueDate: '2026-11-15' });
    expect((await cloneInvoice(d.deps, me, source.id)).dueDate).toBe('2026-12-11');
  });
});

describe('associations', () => {
  test('contacts: added once, removed, and must exist in the account', async () => {
    const draft = await create();
    const c = await seedContact(d, ACC);
    const once = await associate(d.deps, me, draft.id, 'contacts', c);
    expect(once).toMatchObject({ contacts: [c], version: 2 });
    expect((await associate(d.deps, me, draft.id, 'contacts', c)).version).toBe(2);
    expect((await domainError(associate(d.deps, me, draft.id, 'contacts', 'con_404'))).code).toBe('not_found');
    expect((await domainError(associate(d.deps, me, draft.id, 'contacts', await seedContact(d, 'acc_2')))).code).toBe(
      'not_found',
    );
    expect((await dissociate(d.deps, me, draft.id, 'contacts', c)).contacts).toEqual([]);
    expect((await domainError(dissociate(d.deps, me, draft.id, 'contacts', c))).code).toBe('not_found');
  });

  test('an invoice bills at most one company', async () => {
    const draft = await create();
    const acme = await seedCompany(d, ACC, 'Acme');
    const globex = await seedCompany(d, ACC, 'Globex');
    expect((await associate(d.deps, me, draft.id, 'companies', acme)).company).toBe(acme);
    expect((await associate(d.deps, me, draft.id, 'companies', acme)).version).toBe(2);
    const e = await domainError(associate(d.deps, me, draft.id, 'companies', globex));
    expect(e.code).toBe('conflict');
    expect((await stored(draft.id)).company).toBe(acme);
    await dissociate(d.deps, me, draft.id, 'companies', acme);
    expect((await associate(d.deps, me, draft.id, 'companies', globex)).company).toBe(globex);
  });

  test('only drafts', async () => {
    const open = await openInvoice();
    const e = await domainError(associate(d.deps, me, open.id, 'companies', await seedCompany(d, ACC)));
    expect(e.code).toBe('conflict');
    expect(e.extra.currentStatus).toBe('open');
  });
});

describe('listInvoices', () => {
  test('newest first, paged, own account only', async () => {
    const made = [await create(), await create(), await create()];
    await createInvoice(d.deps, actorFor('acc_2'), input({}));
    const first = await listInvoices(d.deps, me, 2, null);
    expect(first.items.map((i) => i.id)).toEqual([made[2]!.id, made[1]!.id]);
    expect(first.next).not.toBeNull();
    const second = await listInvoices(d.deps, me, 2, first.next);
    expect(second.items.map((i) => i.id)).toEqual([made[0]!.id]);
    expect(second.next).toBeNull();
  });
});
