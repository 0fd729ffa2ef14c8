import { beforeEach, expect, test } from 'vitest';
import { listRecordInvoices, releaseRecord } from '../../../../domain/crm/record-invoices.js';
import { createInvoice, finalizeInvoice } from '../../../../domain/invoices/invoice-use-cases.js';
import { actorFor, domainError, seedContact } from '../../../support/in-memory.js';
import { inMemoryCrmDeps } from '../../../support/in-memory-crm.js';

const me = actorFor('acc_1');
let d: ReturnType<typeof inMemoryCrmDeps>;
const linkDeps = () => ({ invoices: d.invoices, links: d.links, clock: d.clock });
const line = [{ name: 'W', unitPrice: 100, quantity: 1 }];

beforeEach(() => {
  d = inMemoryCrmDeps();
});

test('a record’s invoices, newest first, page by page, only its own', async () => {
  const contact = await seedContact(d, 'acc_1');
  const mine = [];
  for (let i = 0; i < 3; i++) mine.push((await createInvoice(d.deps, me, { contacts: [contact] })).id);
  await createInvoice(d.deps, me, {});
  const first = await listRecordInvoices(linkDeps(), me, 'contact', contact, 2, null);
  const second = await listRecordInvoices(linkDeps(), me, 'contact', contact, 2, first.next);
  expect([...first.items, ...second.items].map((i) => i.id)).toEqual(mine.reverse());
  expect(second.next).toBeNull();
  expect((await listRecordInvoices(linkDeps(), actorFor('acc_2'), 'contact', contact, 10, null)).items).toEqual([]);
});

test('an issued invoice keeps its records: release refuses, naming it, and changes nothing', async () => {
  const contact = await seedContact(d, 'acc_1');
  const open = await createInvoice(d.deps, me, { contacts: [contact], lineItems: line });
  const finalized = await finalizeInvoice(d.deps, me, open.id);
  const draft = await createInvoice(d.deps, me, { contacts: [contact] });
  const e = await domainError(releaseRecord(linkDeps(), me, 'contact', contact));
  expect(e.code).toBe('conflict');
  expect(e.extra.invoices).toEqual([open.id]);
  expect(await d.invoices.get('acc_1', open.id)).toEqual(finalized);
  expect((await d.invoices.get('acc_1', draft.id))!.contacts).toEqual([contact]);
});

test('drafts lose the record (version bumped); a draft finalized meanwhile turns it into a 409', async () => {
  const contact = await seedContact(d, 'acc_1');
  const keep = await seedContact(d, 'acc_1');
  const draft = await createInvoice(d.deps, me, { contacts: [keep, contact] });
  await releaseRecord(linkDeps(), me, 'contact', contact);
  expect(await d.invoices.get('acc_1', draft.id)).toMatchObject({ contacts: [keep], version: draft.version + 1 });

  const racing = await createInvoice(d.deps, me, { contacts: [keep], lineItems: line });
  // Another request finalizes the draft between release's read of the links and its detach.
  d.invoices.interleave((stored) => ({ status: 'open', finalizedAt: stored.updatedAt }));
  expect((await domainError(releaseRecord(linkDeps(), me, 'contact', keep))).code).toBe('conflict');
  expect((await d.invoices.get('acc_1', racing.id))!.contacts).toEqual([keep]);
});
