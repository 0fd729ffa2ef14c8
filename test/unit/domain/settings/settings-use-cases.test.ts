import { beforeEach, describe, expect, test } from 'vitest';
import type { Actor } from '../../../../domain/auth/actor.js';
import { createInvoice, finalizeInvoice } from '../../../../domain/invoices/invoice-use-cases.js';
import { getSettings, updateSettings } from '../../../../domain/settings/settings-use-cases.js';
import { DEFAULT_SETTINGS } from '../../../../domain/settings/settings.js';
import { settingsInput } from '../../../../domain/settings/settings-input.js';
import { actorFor, domainError, inMemoryDeps, seedContact, type InMemoryDeps } from '../../../support/in-memory.js';

const ACC = 'acc_1';
let d: InMemoryDeps;
let me: Actor;

beforeEach(() => {
  d = inMemoryDeps('2026-11-27T15:00:00Z');
  me = actorFor(ACC);
});

const settle = (body: unknown, ifMatch?: number) =>
  updateSettings({ settings: d.settings, clock: d.clock }, me, settingsInput.parse(body), ifMatch);
const create = async () => (await createInvoice(d.deps, me, {})).number;

describe('getSettings', () => {
  test('defaults until saved', async () => {
    expect(await getSettings(d.deps, ACC)).toEqual({
      ...DEFAULT_SETTINGS,
      accountId: ACC,
      version: 0,
      updatedAt: null,
    });
    expect(DEFAULT_SETTINGS).toMatchObject({
      prefix: 'INV',
      startNumber: 1001,
      numbering: 'onCreate',
      currency: 'USD',
      timeZone: 'America/New_York',
    });
  });
});

describe('updateSettings', () => {
  test('replaces the fields given and keeps the rest', async () => {
    const first = await settle({ currency: 'EUR' });
    expect(first).toMatchObject({ currency: 'EUR', prefix: 'INV', version: 1, updatedAt: '2026-11-27T15:00:00Z' });
    const second = await settle({ timeZone: 'Europe/Amsterdam' });
    expect(second).toMatchObject({ currency: 'EUR', timeZone: 'Europe/Amsterdam', version: 2 });
    expect(await getSettings(d.deps, ACC)).toEqual(second);
  });

  test('a stale If-Match is precondition_failed', async () => {
    await settle({ currency: 'EUR' });
    const e = await domainError(settle({ currency: 'GBP' }, 0));
    expect(e.code).toBe('precondition_failed');
    expect((await settle({ currency: 'GBP' }, 1)).version).toBe(2);
  });

  test('changing the prefix starts the new prefix at the start number; existing invoices keep theirs', async () => {
    const a = await createInvoice(d.deps, me, {});
    await create();
    await settle({ prefix: 'ACME' });
    expect(await create()).toBe('ACME-1001');
    expect((await d.invoices.get(ACC, a.id))?.number).toBe('INV-1001');
    // Going back continues the old prefix's own series.
    await settle({ prefix: 'INV' });
    expect(await create()).toBe('INV-1003');
  });

  test('a start number below a number the prefix has issued is refused on startNumber', async () => {
    await create(); // INV-1001
    await create(); // INV-1002
    const e = await domainError(settle({ startNumber: 1002 }));
    expect(e.code).toBe('validation');
    expect(e.errors.map((x) => x.path)).toEqual(['startNumber']);
    expect((await domainError(settle({ startNumber: 1 }))).code).toBe('validation');
    expect((await getSettings(d.deps, ACC)).startNumber).toBe(1001);
    expect(await create()).toBe('INV-1003');
  });

  test('a start number at the next free number is accepted', async () => {
    await create();
    await create();
    expect((await settle({ startNumber: 1003 })).startNumber).toBe(1003);
    expect(await create()).toBe('INV-1003');
  });

  test('raising the start number takes effect at once', async () => {
    await create();
    await settle({ startNumber: 2000 });
    expect(await create()).toBe('INV-2000');
    expect(await create()).toBe('INV-2001');
  });

  test('a start number is checked against the new prefix’s counter, not the old one', async () => {
    await create();
    await create();
    expect((await settle({ prefix: 'NEW', startNumber: 1 })).startNumber).toBe(1);
    expect(await create()).toBe('NEW-1');
    const e = await domainError(settle({ prefix: 'INV', startNumber: 1001 }));
    expect(e.errors.map((x) => x.path)).toEqual(['startNumber']);
  });

  test('before any invoice, any start number is accepted', async () => {
    expect((await settle({ startNumber: 5 })).startNumber).toBe(5);
    expect(await create()).toBe('INV-5');
  });

  test('numbers issued at finalization count too (onFinalize)', async () => {
    await settle({ numbering: 'onFinalize' });
    const contact = await seedContact(d, ACC);
    const draft = await createInvoice(d.deps, me, {
      contacts: [contact],
      lineItems: [{ name: 'A', unitPrice: 1, quantity: 1 }],
    });
    expect((await finalizeInvoice(d.deps, me, draft.id)).number).toBe('INV-1001');
    expect((await domainError(settle({ startNumber: 1000 }))).code).toBe('validation');
    expect((await settle({ startNumber: 1002 })).startNumber).toBe(1002);
    expect((await domainError(settle({ startNumber: 1001 }))).errors.map((x) => x.path)).toEqual(['startNumber']);
  });

  test('re-sending the unchanged start number is not refused, and still hands out no used number', async () => {
    await create();
    await create();
    expect((await settle({ startNumber: 1001, currency: 'EUR' })).currency).toBe('EUR');
    expect(await create()).toBe('INV-1003');
  });
});

describe('settingsInput', () => {
  test.each([
    [{ prefix: '' }, 'prefix'],
    [{ prefix: 'TOOLONGPX' }, 'prefix'],
    [{ prefix: 'IN-V' }, 'prefix'],
    [{ startNumber: 0 }, 'startNumber'],
    [{ startNumber: 1.5 }, 'startNumber'],
    [{ numbering: 'sometimes' }, 'numbering'],
    [{ timeZone: 'Mars/Base' }, 'timeZone'],
    [{ currency: 'XXY' }, 'currency'],
    [{ domains: ['a.example.com', 'a.example.com'] }, 'domains'],
  ])('%j is refused on %s', (body, path) => {
    const r = settingsInput.safeParse(body);
    expect(r.success).toBe(false);
    expect(new Set(r.error?.issues.map((i) => i.path.join('.')))).toEqual(new Set([path]));
  });

  test('accepts 1 to 8 letters and digits as a prefix; unknown fields are refused', () => {
    expect(settingsInput.safeParse({ prefix: 'A' }).success).toBe(true);
    expect(settingsInput.safeParse({ prefix: 'ACME2026' }).success).toBe(true);
    expect(settingsInput.safeParse({ colour: 'red' }).success).toBe(false);
  });
});
