import { fieldError } from '../errors.js';
import type { Totals } from './line-items.js';

/**
 * How money moves on an issued invoice. Its total is fixed at finalization; after that only
 * payments and credit notes move `amountPaid`, `creditedAmount` and `balanceDue`, all in integer
 * minor units (no rounding happens here: every amount arriving is already whole minor units).
 *
 * The invariant kept: balanceDue = total − amountPaid − creditedAmount + refunds owed, where a
 * refund is the part of a credit note that no balance was left to absorb. So balanceDue never goes
 * below zero, and amountPaid + creditedAmount never exceeds the total plus what is owed back.
 */

/** Totals written before credit notes existed lack `creditedAmount`; it was zero then. */
export const credited = (t: Totals): number => t.creditedAmount ?? 0;

/** How much may still be credited: the total less what earlier credit notes took. */
export const creditable = (t: Totals): number => t.total - credited(t);

/**
 * A payment of `amount` against the balance. Above the balance is refused (a payment cannot pay
 * more than is owed); below it only where the invoice allows partial payments.
 */
export function applyPayment(t: Totals, amount: number, allowPartialPayments: boolean): Totals {
  if (!Number.isSafeInteger(amount) || amount <= 0)
    throw fieldError('amount', 'must be a whole number of minor units above zero');
  if (amount > t.balanceDue) throw fieldError('amount', `must not exceed the balance due (${t.balanceDue})`);
  if (!allowPartialPayments && amount !== t.balanceDue) {
    throw fieldError(
      'amount',
      `must equal the balance due (${t.balanceDue}): this invoice does not allow partial payments`,
    );
  }
  return { ...t, amountPaid: t.amountPaid + amount, balanceDue: t.balanceDue - amount };
}

export type CreditOutcome = {
  totals: Totals;
  /** The part of the credit that reduced the balance due. */
  applied: number;
  /** The part left over once nothing is due: owed back to the buyer. */
  refund: number;
};

/**
 * A credit of `amount`. It first reduces what is still due; whatever the balance cannot absorb
 * (all of it on a paid invoice) is a refund owed. Never more than the total less earlier credits.
 */
export function applyCredit(t: Totals, amount: number): CreditOutcome {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw fieldError('amount', 'the credit must be above zero');
  if (amount > creditable(t)) {
    throw fieldError(
      'amount',
      `must not exceed what can still be credited (${creditable(t)}: the total ${t.total} less ${credited(t)} already credited)`,
    );
  }
  const applied = Math.min(amount, t.balanceDue);
  return {
    totals: { ...t, creditedAmount: credited(t) + amount, balanceDue: t.balanceDue - applied },
    applied,
    refund: amount - applied,
  };
}
