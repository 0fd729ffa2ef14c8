import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DomainError } from '../../../../domain/errors.js';
import { sumTotals, type Totals } from '../../../../domain/money/line-items.js';
import { applyCredit, applyPayment, creditable } from '../../../../domain/money/settlement.js';

const open = (total: number): Totals => ({ ...sumTotals([{ gross: total, discount: 0, amount: total, tax: 0 }]) });
const paths = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof DomainError) return { code: e.code, paths: e.errors.map((x) => x.path) };
    throw e;
  }
  throw new Error('expected a DomainError');
};

describe('applyPayment', () => {
  test('moves amountPaid up and balanceDue down by exactly the amount', () => {
    expect(applyPayment(open(10_000), 2_500, true)).toMatchObject({
      total: 10_000,
      amountPaid: 2_500,
      balanceDue: 7_500,
      creditedAmount: 0,
    });
  });

  test('above the balance is refused, partial or not', () => {
    expect(paths(() => applyPayment(open(100), 101, true))).toEqual({ code: 'validation', paths: ['amount'] });
    expect(paths(() => applyPayment(open(100), 101, false))).toEqual({ code: 'validation', paths: ['amount'] });
  });

  test('without partial payments only the whole balance is accepted', () => {
    expect(paths(() => applyPayment(open(100), 99, false))).toEqual({ code: 'validation', paths: ['amount'] });
    expect(applyPayment(open(100), 100, false)).toMatchObject({ amountPaid: 100, balanceDue: 0 });
  });

  test('zero, negative and fractional amounts are refused', () => {
    for (const a of [0, -1, 1.5]) expect(paths(() => applyPayment(open(100), a, true)).paths).toEqual(['amount']);
  });

  test('property: any sequence of accepted payments never pays more than the total', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fc.integer({ min: 1, max: 400_000 }), { maxLength: 20 }),
        (total, amounts) => {
          let t = open(total);
          for (const a of amounts) {
            try {
              t = applyPayment(t, a, true);
            } catch {
              /* refused: the totals stay as they were */
            }
            expect(t.amountPaid + t.balanceDue).toBe(total);
            expect(t.balanceDue).toBeGreaterThanOrEqual(0);
          }
        },
      ),
    );
  });
});

describe('applyCredit', () => {
  test('on an unpaid invoice the credit reduces the balance; nothing is refunded', () => {
    expect(applyCredit(open(10_000), 3_000)).toEqual({
      totals: expect.objectContaining({ creditedAmount: 3_000, balanceDue: 7_000, amountPaid: 0 }),
      applied: 3_000,
      refund: 0,
    });
  });

  test('on a paid invoice all of it is owed back', () => {
    const paid = applyPayment(open(10_000), 10_000, false);
    expect(applyCredit(paid, 2_500)).toEqual({
      totals: expect.objectContaining({ creditedAmount: 2_500, balanceDue: 0, amountPaid: 10_000 }),
      applied: 0,
      refund: 2_500,
    });
  });

  test('on a partly paid invoice the balance absorbs what it can and the rest is a refund', () => {
    const part = applyPayment(open(10_000), 7_000, true);
    expect(applyCredit(part, 5_000)).toMatchObject({
      applied: 3_000,
      refund: 2_000,
      totals: { balanceDue: 0, creditedAmount: 5_000 },
    });
  });

  test('never more than the total less what was credited before', () => {
    const once = applyCredit(open(1_000), 600).totals;
    expect(creditable(once)).toBe(400);
    expect(paths(() => applyCredit(once, 401))).toEqual({ code: 'validation', paths: ['amount'] });
    expect(applyCredit(once, 400).totals).toMatchObject({ creditedAmount: 1_000, balanceDue: 0 });
  });

  test('property: payments and credits keep balance = total − paid − credited + refunds, never below zero', () => {
    const move = fc.oneof(
      fc.record({ pay: fc.integer({ min: 1, max: 5_000 }) }),
      fc.record({ credit: fc.integer({ min: 1, max: 5_000 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20_000 }), fc.array(move, { maxLength: 15 }), (total, moves) => {
        let t = open(total);
        let refunds = 0;
        for (const m of moves) {
          try {
            if ('pay' in m) t = applyPayment(t, m.pay, true);
            else {
              const r = applyCredit(t, m.credit);
              t = r.totals;
              refunds += r.refund;
              expect(r.applied + r.refund).toBe(m.credit);
            }
          } catch (e) {
            if (!(e instanceof DomainError)) throw e;
          }
          expect(t.balanceDue).toBe(t.total - t.amountPaid - t.creditedAmount + refunds);
          expect(t.balanceDue).toBeGreaterThanOrEqual(0);
          expect(t.creditedAmount).toBeLessThanOrEqual(t.total);
        }
      }),
    );
  });
});
