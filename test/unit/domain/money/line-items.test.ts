import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  lineMoney,
  sumTotals,
  unitDiscount,
  type Discount,
  type LineMoneyInput,
} from '../../../../domain/money/line-items.js';

/** Whole minor units up to 10^9 (ten million dollars) keep 10 lines of 10^4 units inside safe integers. */
const unitPrice = fc.integer({ min: 0, max: 1_000_000_000 });
/** Quantities the input schema accepts: positive, at most 4 decimals (n / 10^4). */
const quantity = fc.integer({ min: 1, max: 100_000_000 }).map((n) => n / 10_000);
const percent = fc.integer({ min: 0, max: 1_000_000 }).map((n) => n / 10_000);
const taxRate = fc.option(percent, { nil: null });

const discountFor = (price: number): fc.Arbitrary<Discount | null> =>
  fc.oneof(
    fc.constant(null),
    fc.integer({ min: 0, max: price }).map((value): Discount => ({ type: 'amount', value })),
    percent.map((value): Discount => ({ type: 'percent', value })),
  );

const line: fc.Arbitrary<LineMoneyInput> = unitPrice.chain((price) =>
  fc.record({ unitPrice: fc.constant(price), quantity, discount: discountFor(price), taxRate }),
);

describe('lineMoney and sumTotals', () => {
  test('totals are the sums of the lines, and every figure is an integer', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 10 }), fc.integer({ min: 0, max: 1000 }), (lines, amountPaid) => {
        const money = lines.map(lineMoney);
        const totals = sumTotals(money, amountPaid);
        const sum = (f: (m: (typeof money)[number]) => number) => money.reduce((s, m) => s + f(m), 0);
        expect(totals.subtotal).toBe(sum((m) => m.gross));
        expect(totals.discount).toBe(sum((m) => m.discount));
        expect(totals.tax).toBe(sum((m) => m.tax));
        expect(totals.total).toBe(totals.subtotal - totals.discount + totals.tax);
        expect(sum((m) => m.amount)).toBe(totals.subtotal - totals.discount);
        expect(totals.amountPaid).toBe(amountPaid);
        expect(totals.balanceDue).toBe(totals.total - amountPaid);
        for (const m of money) for (const v of Object.values(m)) expect(Number.isInteger(v)).toBe(true);
        for (const v of Object.values(totals)) expect(Number.isInteger(v)).toBe(true);
      }),
    );
  });

  test('no valid discount drives a line below zero, and tax is never negative', () => {
    fc.assert(
      fc.property(line, (l) => {
        const m = lineMoney(l);
        expect(m.amount).toBeGreaterThanOrEqual(0);
        expect(m.discount).toBeGreaterThanOrEqual(0);
        expect(m.discount).toBeLessThanOrEqual(m.gross);
        expect(m.tax).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  test('a full discount (amount = unit price, or 100%) leaves exactly zero', () => {
    fc.assert(
      fc.property(unitPrice, quantity, taxRate, (price, q, rate) => {
        for (const discount of [
          { type: 'amount', value: price },
          { type: 'percent', value: 100 },
        ] as const) {
          const m = lineMoney({ unitPrice: price, quantity: q, discount, taxRate: rate });
          expect(m.amount).toBe(0);
          expect(m.tax).toBe(0);
        }
      }),
    );
  });

  test('percent and amount discounts agree whenever the percent is a whole number of minor units', () => {
    // percent = n / 10^4, so unitPrice × percent / 100 = unitPrice × n / 10^6 is whole when
    // unitPrice is a multiple of 10^6 / gcd(n, 10^6).
    const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
    const roundCase = fc.integer({ min: 0, max: 1_000_000 }).chain((n) => {
      const step = 1_000_000 / gcd(n, 1_000_000);
      return fc.record({
        n: fc.constant(n),
        unitPrice: fc.integer({ min: 0, max: Math.floor(1_000_000_000 / step) }).map((k) => k * step),
        quantity,
        taxRate,
      });
    });
    fc.assert(
      fc.property(roundCase, ({ n, unitPrice: price, quantity: q, taxRate: rate }) => {
        const perUnit = (price * n) / 1_000_000;
        expect(Number.isInteger(perUnit)).toBe(true);
        const byPercent = lineMoney({
          unitPrice: price,
          quantity: q,
          taxRate: rate,
          discount: { type: 'percent', value: n / 10_000 },
        });
        const byAmount = lineMoney({
          unitPrice: price,
          quantity: q,
          taxRate: rate,
          discount: { type: 'amount', value: perUnit },
        });
        expect(byPercent).toEqual(byAmount);
      }),
    );
  });

  test('a line without discount or tax is unit price × quantity, rounded', () => {
    fc.assert(
      fc.property(unitPrice, fc.integer({ min: 1, max: 10_000 }), (price, q) => {
        expect(lineMoney({ unitPrice: price, quantity: q })).toEqual({
          gross: price * q,
          discount: 0,
          amount: price * q,
          tax: 0,
        });
      }),
    );
  });
});

describe('rounding: half away from zero, once per line net and once per VAT group', () => {
  test.each([
    // [what, line, expected]
    [
      '3 × 333 with 10% off: 99.9 discount rounds to 100',
      { unitPrice: 333, quantity: 3, discount: { type: 'percent', value: 10 } },
      { gross: 999, discount: 100, amount: 899, tax: 0 },
    ],
    [
      '3 × 333 with 10% off and 10% tax: 89.9 tax rounds to 90',
      { unitPrice: 333, quantity: 3, discount: { type: 'percent', value: 10 }, taxRate: 10 },
      { gross: 999, discount: 100, amount: 899, tax: 90 },
    ],
    ['half a unit of 1 is 0.5 → 1', { unitPrice: 1, quantity: 0.5 }, { gross: 1, discount: 0, amount: 1, tax: 0 }],
    ['5 × 0.5 = 2.5 → 3 (not to even)', { unitPrice: 5, quantity: 0.5 }, { gross: 3, discount: 0, amount: 3, tax: 0 }],
    ['0.4999 of a unit rounds down', { unitPrice: 1, quantity: 0.4999 }, { gross: 0, discount: 0, amount: 0, tax: 0 }],
    [
      '10% off 25: the net 22.5 rounds once → 23, and the discount is what lies between (2)',
      { unitPrice: 25, quantity: 1, discount: { type: 'percent', value: 10 } },
      { gross: 25, discount: 2, amount: 23, tax: 0 },
    ],
    [
      '10% tax on 25 is 2.5 → 3',
      { unitPrice: 25, quantity: 1, taxRate: 10 },
      { gross: 25, discount: 0, amount: 25, tax: 3 },
    ],
    [
      '12.5% tax on 4 is 0.5 → 1',
      { unitPrice: 4, quantity: 1, taxRate: 12.5 },
      { gross: 4, discount: 0, amount: 4, tax: 1 },
    ],
    [
      'amount discount is per unit: 2.5 units × 100 off',
      { unitPrice: 999, quantity: 2.5, discount: { type: 'amount', value: 100 } },
      { gross: 2498, discount: 250, amount: 2248, tax: 0 },
    ],
    [
      'tax is on the rounded discounted amount: 7.5% of 899 = 67.425 → 67',
      { unitPrice: 333, quantity: 3, discount: { type: 'percent', value: 10 }, taxRate: 7.5 },
      { gross: 999, discount: 100, amount: 899, tax: 67 },
    ],
    [
      'JPY-sized: 1 × 1234 at 8% tax = 98.72 → 99',
      { unitPrice: 1234, quantity: 1, taxRate: 8 },
      { gross: 1234, discount: 0, amount: 1234, tax: 99 },
    ],
  ] as const)('%s', (_what, input, expected) => {
    expect(lineMoney(input as LineMoneyInput)).toEqual(expected);
  });

  test('rounding is per line: two half-unit lines make 2, not 1', () => {
    const lines = [lineMoney({ unitPrice: 1, quantity: 0.5 }), lineMoney({ unitPrice: 1, quantity: 0.5 })];
    expect(sumTotals(lines)).toMatchObject({ subtotal: 2, total: 2 });
  });

  test('unitDiscount is exact before rounding', () => {
    expect(unitDiscount(333, { type: 'percent', value: 10 }).toString()).toBe('33.3');
    expect(unitDiscount(333, { type: 'amount', value: 33 }).toString()).toBe('33');
    expect(unitDiscount(333, null).toString()).toBe('0');
  });

  test('an empty invoice totals zero', () => {
    expect(sumTotals([])).toEqual({
      subtotal: 0,
      discount: 0,
      tax: 0,
      total: 0,
      amountPaid: 0,
      creditedAmount: 0,
      balanceDue: 0,
    });
  });

  test('amounts beyond the safe integer range are refused, not rounded silently', () => {
    expect(() => lineMoney({ unitPrice: 1_000_000_000_000, quantity: 1_000_000 })).toThrow(RangeError);
    const big = lineMoney({ unitPrice: 1_000_000_000_000, quantity: 5000 });
    expect(() => sumTotals([big, big])).toThrow(RangeError);
  });
});
