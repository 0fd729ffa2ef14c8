import { describe, expect, test } from 'vitest';
import { compileSearch } from '../../../../domain/search/compile-filters.js';
import { searchInvoices } from '../../../../domain/search/search-invoices.js';
import { planGroup } from '../../../../domain/search/search-plan.js';
import { mergeMetadata } from '../../../../domain/shared/metadata.js';
import { InMemorySettingsStore, actorFor } from '../../../support/in-memory.js';
import { InMemorySearchIndex } from '../../../support/in-memory-search.js';
import { variedInvoices } from '../../../support/search-seed.js';

const ACCOUNT = 'acc_meta_unit';

describe('mergeMetadata', () => {
  test('sets, keeps and removes ("") keys; `__proto__` is an ordinary key', () => {
    expect(mergeMetadata({ a: '1', b: '2' }, { b: '', c: '3' })).toEqual({ a: '1', c: '3' });
    // Nothing left: no metadata at all (stored as no attribute; shown as {}).
    expect(mergeMetadata(undefined, { a: '' })).toBeUndefined();
    expect(mergeMetadata({ a: '1' }, { a: '' })).toBeUndefined();
    const odd = mergeMetadata({}, JSON.parse('{"__proto__":"x"}') as Record<string, string>);
    expect(Object.keys(odd!)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(odd)).toBe(Object.prototype);
  });

  test('more than 50 keys after the merge is refused naming metadata', () => {
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    expect(() => mergeMetadata(fifty, { one: 'more' })).toThrow(expect.objectContaining({ code: 'validation' }));
    expect(Object.keys(mergeMetadata(fifty, { k0: '', one: 'more' })!)).toHaveLength(50);
  });
});

describe('search by metadata', () => {
  const data = variedInvoices(ACCOUNT, 300, 'M', 3).map((inv, i) => ({
    ...inv,
    ...(i % 10 === 0 ? { metadata: { batch: `b${i % 30}` } } : {}),
  }));

  test('the plan reads the metadata links, never a scan of the account', () => {
    const { groups, sort } = compileSearch(
      [{ filters: [{ propertyName: 'metadata.batch', operator: 'IN', values: ['b0', 'b10'] }] }],
      undefined,
      'UTC',
    );
    expect(planGroup(groups[0]!, sort)).toEqual({
      mode: 'sorted',
      sources: [
        { kind: 'metadata', key: 'batch', value: 'b0' },
        { kind: 'metadata', key: 'batch', value: 'b10' },
      ],
      fallback: [{ index: 'created' }],
    });
  });

  test('finds exactly the matching invoices, reading only them', async () => {
    const search = new InMemorySearchIndex(data);
    const page = await searchInvoices({ search, settings: new InMemorySettingsStore(new Map()) }, actorFor(ACCOUNT), {
      filterGroups: [{ filters: [{ propertyName: 'metadata.batch', operator: 'EQ', value: 'b10' }] }],
      limit: 100,
    });
    const expected = data.filter((i) => i.metadata?.batch === 'b10').map((i) => i.id);
    expect(expected.length).toBe(10);
    expect(page.items.map((i) => i.id).sort()).toEqual(expected.sort());
    expect(search.reads).toBe(expected.length);
  });
});
