import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { dueDateFor, PAYMENT_TERMS } from '../../../../domain/dates/payment-terms.js';

const DAY_MS = 86_400_000;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const daysApart = (a: string, b: string) => (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS;

const NET_DAYS = { dueOnReceipt: 0, net15: 15, net30: 30, net45: 45, net60: 60, net90: 90 } as const;

describe('dueDateFor', () => {
  test.each([
    ['net30', '2026-01-31', '2026-03-02'],
    ['net30', '2028-01-31', '2028-03-01'],
    ['net15', '2026-12-20', '2027-01-04'],
    ['net45', '2026-11-27', '2027-01-11'],
    ['net60', '2026-11-27', '2027-01-26'],
    ['net90', '2026-11-27', '2027-02-25'],
    ['dueOnReceipt', '2026-11-27', '2026-11-27'],
  ] as const)('%s from %s is %s', (terms, invoiceDate, due) => {
    expect(dueDateFor(terms, invoiceDate, null)).toBe(due);
  });

  test('net terms ignore a hand-set date; custom keeps it (or has none)', () => {
    expect(dueDateFor('net30', '2026-01-31', '2026-12-25')).toBe('2026-03-02');
    expect(dueDateFor('custom', '2026-01-31', '2026-12-25')).toBe('2026-12-25');
    expect(dueDateFor('custom', '2026-01-31', null)).toBeNull();
  });

  test('for net terms, due date − invoice date is the term’s number of days', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10_957, max: 25_567 }),
        fc.constantFrom(...(Object.keys(NET_DAYS) as (keyof typeof NET_DAYS)[])),
        (day, terms) => {
          const invoiceDate = isoDate(day * DAY_MS);
          const due = dueDateFor(terms, invoiceDate, null);
          expect(due).not.toBeNull();
          expect(daysApart(invoiceDate, due!)).toBe(NET_DAYS[terms]);
        },
      ),
    );
  });

  test('the terms are the contract’s list', () => {
    expect([...PAYMENT_TERMS]).toEqual(['dueOnReceipt', 'net15', 'net30', 'net45', 'net60', 'net90', 'custom']);
  });
});
