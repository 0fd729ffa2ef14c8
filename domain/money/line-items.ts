import Big from 'big.js';

/**
 * Line-item money, by the rules of EN 16931 (the European e-invoice standard), so that the API, the
 * documents and the XML agree to the minor unit. Everything is exact decimal arithmetic (big.js) on
 * integer minor units, rounded half away from zero (big.js `roundHalfUp`):
 * - a line's net amount (BT-131) is quantity × net unit price (unit price less the per-unit
 *   discount, exact), rounded once; its gross is quantity × unit price rounded, and its discount is
 *   what lies between the two, so gross − discount = amount always;
 * - VAT is computed per category and rate over the summed net amounts of the lines in it, rounded
 *   once (BR-CO-17), not per line: `vatBreakdown`. Each line then shows its share of its group's VAT
 *   (largest remainder), so the line figures still add up to the totals.
 * Invoices priced before this rule (VAT rounded per line, discount rounded apart from the gross) keep
 * the figures they were stored with: amounts are computed on edit, never on read.
 */
export type Discount = { type: 'amount'; value: number } | { type: 'percent'; value: number };

/** EN 16931 VAT category codes (UNCL5305 subset): standard, zero, exempt, reverse charge, intra-community, export, outside scope. */
export const TAX_CATEGORIES = ['S', 'Z', 'E', 'AE', 'K', 'G', 'O'] as const;
export type TaxCategory = (typeof TAX_CATEGORIES)[number];

export type LineMoneyInput = {
  quantity: number;
  unitPrice: number; // minor units
  discount?: Discount | null;
  taxRate?: number | null; // percent
  /** Default: `S` with a rate above 0, else `Z`. */
  taxCategory?: TaxCategory | null;
};

/** The category a line falls in when none is named. */
export const taxCategoryOf = (l: Pick<LineMoneyInput, 'taxRate' | 'taxCategory'>): TaxCategory =>
  l.taxCategory ?? (l.taxRate ? 'S' : 'Z');

/** One row of the VAT breakdown (BG-23): a category and rate, its taxable amount and its VAT. */
export type VatGroup = { category: TaxCategory; rate: number; taxable: number; tax: number };

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

/** The net unit price (BT-146): unit price less the per-unit discount, exact, in minor units. */
export function netUnitPrice(line: Pick<LineMoneyInput, 'unitPrice' | 'discount'>): Big {
  return new Big(line.unitPrice).minus(unitDiscount(line.unitPrice, line.discount));
}

/** VAT on a taxable amount at a rate, rounded once. */
export function vatOn(taxable: number, rate: number | null | undefined): number {
  return rate ? toMinor(new Big(taxable).times(rate).div(100)) : 0;
}

/** One line on its own: its net amount, and VAT as if it were the only line of its category and rate. */
export function lineMoney(line: LineMoneyInput): LineMoney {
  const quantity = new Big(line.quantity);
  const gross = toMinor(new Big(line.unitPrice).times(quantity));
  const amount = toMinor(netUnitPrice(line).times(quantity));
  return { gross, discount: gross - amount, amount, tax: vatOn(amount, line.taxRate) };
}

const groupKey = (category: TaxCategory, rate: number) => `${category}|${new Big(rate).toString()}`;

/** The VAT breakdown (BG-23): per category and rate, in first-seen order, VAT rounded once over the summed nets. */
export function vatBreakdown(
  lines: { amount: number; taxRate?: number | null; taxCategory?: TaxCategory | null }[],
): VatGroup[] {
  const groups = new Map<string, VatGroup>();
  for (const l of lines) {
    const category = taxCategoryOf(l);
    const rate = l.taxRate ?? 0;
    const key = groupKey(category, rate);
    const g = groups.get(key) ?? { category, rate, taxable: 0, tax: 0 };
    g.taxable += l.amount;
    groups.set(key, g);
  }
  for (const g of groups.values()) g.tax = vatOn(g.taxable, g.rate);
  return [...groups.values()];
}

/**
 * Every line priced, VAT by category and rate, and each line's share of its group's VAT, split by
 * largest remainder over the lines' exact VAT so the shares add up to the group's VAT exactly.
 */
export function invoiceMoney(lines: LineMoneyInput[]): { lines: LineMoney[]; vat: VatGroup[] } {
  const money = lines.map(lineMoney);
  const withAmounts = lines.map((l, i) => ({ ...l, amount: money[i]!.amount }));
  const vat = vatBreakdown(withAmounts);
  for (const g of vat) {
    const members = withAmounts
      .map((l, i) => ({ l, i }))
      .filter(({ l }) => taxCategoryOf(l) === g.category && new Big(l.taxRate ?? 0).eq(g.rate));
    const exact = members.map(({ l }) => new Big(l.amount).times(g.rate).div(100));
    const floors = exact.map((e) => Number(e.round(0, 0).toString()));
    let left = g.tax - floors.reduce((s, f) => s + f, 0);
    const order = exact
      .map((e, k) => ({ k, frac: e.minus(floors[k]!) }))
      .sort((a, b) => b.frac.cmp(a.frac) || a.k - b.k);
    const shares = [...floors];
    // VAT rounded half up over the sum is within half a unit of the exact sum, so `left` lies in
    // [0, members) and the first `left` lines by remainder take one unit more.
    for (const { k } of order) {
      if (left <= 0) break;
      shares[k]! += 1;
      left -= 1;
    }
    members.forEach(({ i }, k) => (money[i] = { ...money[i]!, tax: shares[k]! }));
  }
  return { lines: money, vat };
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
