import Big from 'big.js';

/**
 * Line-item money. Everything is exact decimal arithmetic (big.js) on integer minor units; a value
 * is rounded to a whole minor unit once, per line, half away from zero (big.js `roundHalfUp`), at
 * three points: the line's gross (unit price × quantity), its discount (per-unit discount ×
 * quantity) and its tax (rate × the discounted amount). Invoice totals are plain sums of those
 * rounded line figures, so a total always equals the sum of what the lines show.
 */
export type Discount = { type: 'amount'; value: number } | { type: 'percent'; value: number };

export type LineMoneyInput = {
  quantity: number;
  unitPrice: number; // minor units
  discount?: Discount | null;
  taxRate?: number | null; // percent
};

export type LineMoney = {
  gross: number; // unitPrice × quantity
  discount: number; // per-unit discount × quantity
  amount: number; // gross − discount, before tax
  tax: number;
};

export type Totals = {
  subtotal: number;
  discount: number;
  tax: number;
  total: number;
  amountPaid: number;
  /** What credit notes took off the invoice (domain/money/settlement.ts); 0 until one is issued. */
  creditedAmount: number;
  balanceDue: number;
};

const HALF_AWAY_FROM_ZERO = 1; // Big.roundHalfUp: "if equidistant, rounds away from zero"

function toMinor(value: Big): number {
  const rounded = value.round(0, HALF_AWAY_FROM_ZERO);
  const n = rounded.toNumber();
  if (!Number.isSafeInteger(n)) throw new RangeError('amount exceeds the largest safe integer');
  return n;
}

/** The discount taken off one unit, exact (may have fractions of a minor unit for percents). */
export function unitDiscount(unitPrice: number, discount?: Discount | null): Big {
  if (!discount) return new Big(0);
  if (discount.type === 'amount') return new Big(discount.value);
  return new Big(unitPrice).times(discount.value).div(100);
}

export function lineMoney(line: LineMoneyInput): LineMoney {
  const quantity = new Big(line.quantity);
  const gross = toMinor(new Big(line.unitPrice).times(quantity));
  const discount = toMinor(unitDiscount(line.unitPrice, line.discount).times(quantity));
  const amount = gross - discount;
  const tax = line.taxRate ? toMinor(new Big(amount).times(line.taxRate).div(100)) : 0;
  return { gross, discount, amount, tax };
}

export function sumTotals(lines: LineMoney[], amountPaid = 0, creditedAmount = 0): Totals {
  let subtotal = 0;
  let discount = 0;
  let tax = 0;
  for (const l of lines) {
    subtotal += l.gross;
    discount += l.discount;
    tax += l.tax;
  }
  const total = subtotal - discount + tax;
  for (const n of [subtotal, discount, tax, total]) {
    if (!Number.isSafeInteger(n)) throw new RangeError('total exceeds the largest safe integer');
  }
  return {
    subtotal,
    discount,
    tax,
    total,
    amountPaid,
    creditedAmount,
    balanceDue: total - amountPaid - creditedAmount,
  };
}
