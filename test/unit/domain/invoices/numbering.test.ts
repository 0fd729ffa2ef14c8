import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatInvoiceNumber, nextNumber } from '../../../../domain/invoices/numbering.js';

describe('numbering', () => {
  test('numbers read PREFIX-N', () => {
    expect(formatInvoiceNumber('INV', 1001)).toBe('INV-1001');
  });

  test('a fresh counter starts at the start number', () => {
    expect(nextNumber(null, 1001)).toBe(1001);
  });

  test('the next number is the counter, but never below the start number', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 1, max: 1e9 }), { nil: null }),
        fc.integer({ min: 1, max: 1e9 }),
        (counter, start) => {
          const n = nextNumber(counter, start);
          expect(n).toBeGreaterThanOrEqual(start);
          if (counter !== null) expect(n).toBeGreaterThanOrEqual(counter);
          expect([counter, start]).toContain(n);
        },
      ),
    );
  });
});
