import { beforeEach, describe, expect, test } from 'vitest';
import { recordUseCases, type RecordDeps } from '../../../../domain/crm/record-use-cases.js';
import {
  companyFields,
  contactFields,
  contactInput,
  type Company,
  type CompanyInput,
  type Contact,
  type ContactInput,
} from '../../../../domain/crm/records.js';
import { actorFor, domainError, FakeClock, InMemoryRecordStore, SequentialIds } from '../../../support/in-memory.js';

const contacts = recordUseCases<Contact, ContactInput>('contact', contactFields);
const companies = recordUseCases<Company, CompanyInput>('company', companyFields);
const me = actorFor('acc_1');
let deps: RecordDeps<Contact>;
let clock: FakeClock;

beforeEach(() => {
  clock = new FakeClock('2026-11-27T15:00:00Z');
  deps = { store: new InMemoryRecordStore<Contact>(), clock, ids: new SequentialIds() };
});

describe('CRM records', () => {
  test('create fills defaults, an id with the kind’s prefix, and version 1', async () => {
    const c = await contacts.create(deps, me, { email: 'ada@example.com' });
    expect(c).toMatchObject({
      kind: 'contact',
      accountId: 'acc_1',
      version: 1,
      firstName: null,
      email: 'ada@example.com',
      createdAt: '2026-11-27T15:00:00Z',
    });
    expect(c.id).toMatch(/^con_/);
    const co = await companies.create(
      { store: new InMemoryRecordStore<Company>(), clock, ids: new SequentialIds() },
      me,
      { name: 'Acme' },
    );
    expect(co.id).toMatch(/^com_/);
  });

  test('update changes only the fields given and bumps the version', async () => {
    const c = await contacts.create(deps, me, { firstName: 'Ada', email: 'ada@example.com' });
    clock.set('2026-11-28T00:00:00Z');
    const u = await contacts.update(deps, me, c.id, { lastName: 'Lovelace', email: undefined });
    expect(u).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      version: 2,
      updatedAt: '2026-11-28T00:00:00Z',
    });
    expect((await domainError(contacts.update(deps, me, c.id, { firstName: 'X' }, 1))).code).toBe(
      'precondition_failed',
    );
  });

  test('another account’s record is not found', async () => {
    const c = await contacts.create(deps, me, {});
    const other = actorFor('acc_2');
    expect((await domainError(contacts.get(deps, other, c.id))).code).toBe('not_found');
    expect((await domainError(contacts.remove(deps, other, c.id))).code).toBe('not_found');
    expect((await contacts.list(deps, other, 10, null)).items).toEqual([]);
  });

  test('remove deletes; list pages newest first', async () => {
    const a = await contacts.create(deps, me, {});
    const b = await contacts.create(deps, me, {});
    expect((await contacts.list(deps, me, 10, null)).items.map((x) => x.id)).toEqual([b.id, a.id]);
    await contacts.remove(deps, me, a.id);
    expect((await contacts.list(deps, me, 10, null)).items.map((x) => x.id)).toEqual([b.id]);
  });

  test('contact input is strict and checks the email', () => {
    expect(contactInput.safeParse({ email: 'not-an-email' }).success).toBe(false);
    expect(contactInput.safeParse({ phone: '1' }).success).toBe(false);
  });
});
