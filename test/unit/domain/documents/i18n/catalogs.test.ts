import { expect, test } from 'vitest';
import { CATALOG_LANGUAGES, catalogFor, fill } from '../../../../../domain/documents/i18n/catalogs.js';
import { LANGUAGES } from '../../../../../domain/shared/schemas.js';

/** Every label's path: `statuses.paid`, `marks.voided`, … */
const paths = (o: object, prefix = ''): string[] =>
  Object.entries(o)
    .flatMap(([k, v]) => (typeof v === 'object' && v ? paths(v, `${prefix}${k}.`) : [`${prefix}${k}`]))
    .sort();

test('a catalog for every language the contract accepts', () => {
  expect([...CATALOG_LANGUAGES].sort()).toEqual([...LANGUAGES].sort());
});

test('every catalog has exactly English’s labels, none empty, and is a translation', () => {
  const en = catalogFor('en');
  for (const language of LANGUAGES) {
    const catalog = catalogFor(language);
    expect(paths(catalog), language).toEqual(paths(en));
    for (const p of paths(catalog))
      expect(
        p.split('.').reduce<any>((o, k) => o[k], catalog),
        `${language} ${p}`,
      ).not.toBe('');
    if (language !== 'en') expect(catalog.billTo, language).not.toBe(en.billTo);
  }
});

test('fill replaces named placeholders only', () => {
  expect(fill('{amount} per unit', { amount: '$5.00' })).toBe('$5.00 per unit');
  expect(fill('{other}', {})).toBe('{other}');
});
