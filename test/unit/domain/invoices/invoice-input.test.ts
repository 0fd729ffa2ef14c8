import { describe, expect, test } from 'vitest';
import {
  invoiceEditInput,
  lineItemInput,
  markPaidInput,
  MAX_LINE_ITEMS,
} from '../../../../domain/invoices/invoice-input.js';

const paths = (input: unknown) => {
  const r = invoiceEditInput.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => i.path);
};
const line = (extra: Record<string, unknown> = {}) => ({ name: 'Consulting', unitPrice: 10_000, ...extra });

describe('invoiceEditInput', () => {
  test('a minimal body parses, and quantity defaults to 1', () => {
    const r = invoiceEditInput.parse({ lineItems: [line()] });
    expect(r.lineItems?.[0]).toEqual({ name: 'Consulting', unitPrice: 10_000, quantity: 1 });
  });

  test('an empty body is a valid (empty) edit', () => {
    expect(invoiceEditInput.parse({})).toEqual({});
  });

  test('unknown fields are rejected, at the top level and inside a line', () => {
    const top = invoiceEditInput.safeParse({ status: 'paid' });
    expect(top.success).toBe(false);
    expect(top.error?.issues[0]?.code).toBe('unrecognized_keys');
    expect(paths({ lineItems: [line({ amount: 5 })] })).toContainEqual(['lineItems', 0]);
    expect(invoiceEditInput.safeParse({ billing: { paymentMethods: ['card'], color: 'red' } }).success).toBe(false);
    expect(
      invoiceEditInput.safeParse({ lineItems: [line({ discount: { type: 'amount', value: 1, extra: true } })] })
        .success,
    ).toBe(false);
  });

  test.each([
    ['negative', -1],
    ['zero', 0],
    ['five decimals', 1.00001],
    ['over a million', 1_000_001],
    ['a string', '2'],
  ])('quantity %s is rejected', (_what, quantity) => {
    expect(paths({ lineItems: [line({ quantity })] })).toContainEqual(['lineItems', 0, 'quantity']);
  });

  test.each([0.0001, 1.2345, 2.5, 1_000_000])('quantity %d is accepted', (quantity) => {
    expect(invoiceEditInput.safeParse({ lineItems: [line({ quantity })] }).success).toBe(true);
  });

  test.each([
    ['fractional', 10.5],
    ['negative', -1],
    ['above 10^12', 1_000_000_000_001],
  ])('unitPrice %s is rejected', (_what, unitPrice) => {
    expect(paths({ lineItems: [line({ unitPrice })] })).toContainEqual(['lineItems', 0, 'unitPrice']);
  });

  test('a line needs a name and a unit price; a blank name is no name', () => {
    expect(paths({ lineItems: [{ unitPrice: 1 }] })).toContainEqual(['lineItems', 0, 'name']);
    expect(paths({ lineItems: [{ name: '   ', unitPrice: 1 }] })).toContainEqual(['lineItems', 0, 'name']);
    expect(paths({ lineItems: [{ name: 'x' }] })).toContainEqual(['lineItems', 0, 'unitPrice']);
  });

  test('an amount discount above the unit price is rejected at lineItems.i.discount.value', () => {
    const r = invoiceEditInput.safeParse({
      lineItems: [line(), line({ unitPrice: 500, discount: { type: 'amount', value: 501 } })],
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path)).toEqual([['lineItems', 1, 'discount', 'value']]);
  });

  test('an amount discount equal to the unit price is accepted', () => {
    expect(
      invoiceEditInput.safeParse({ lineItems: [line({ unitPrice: 500, discount: { type: 'amount', value: 500 } })] })
        .success,
    ).toBe(true);
  });

  test.each([
    [{ type: 'percent', value: 101 }],
    [{ type: 'percent', value: -1 }],
    [{ type: 'percent', value: 12.34567 }],
    [{ type: 'amount', value: 1.5 }],
    [{ type: 'amount', value: -1 }],
    [{ type: 'fixed', value: 1 }],
  ])('discount %j is rejected', (discount) => {
    expect(invoiceEditInput.safeParse({ lineItems: [line({ discount })] }).success).toBe(false);
  });

  test.each([
    [{ type: 'percent', value: 0 }],
    [{ type: 'percent', value: 12.5 }],
    [{ type: 'percent', value: 100 }],
    [null],
  ])('discount %j is accepted', (discount) => {
    expect(invoiceEditInput.safeParse({ lineItems: [line({ discount })] }).success).toBe(true);
  });

  test('tax rates are percentages from 0 to 100 with up to 4 decimals', () => {
    expect(invoiceEditInput.safeParse({ lineItems: [line({ taxRate: 8.875 })] }).success).toBe(true);
    expect(paths({ lineItems: [line({ taxRate: 100.5 })] })).toContainEqual(['lineItems', 0, 'taxRate']);
    expect(paths({ lineItems: [line({ taxRate: -1 })] })).toContainEqual(['lineItems', 0, 'taxRate']);
  });

  test(`${MAX_LINE_ITEMS} line items are accepted, ${MAX_LINE_ITEMS + 1} are rejected`, () => {
    expect(MAX_LINE_ITEMS).toBe(100);
    expect(invoiceEditInput.safeParse({ lineItems: Array.from({ length: 100 }, () => line()) }).success).toBe(true);
    expect(paths({ lineItems: Array.from({ length: 101 }, () => line()) })).toEqual([['lineItems']]);
  });

  test('contacts are con_ ids, unique; company a com_ id', () => {
    expect(invoiceEditInput.safeParse({ contacts: ['con_1', 'con_2'], company: 'com_1' }).success).toBe(true);
    expect(paths({ contacts: ['con_1', 'con_1'] })).toEqual([['contacts']]);
    expect(paths({ contacts: ['com_1'] })).toEqual([['contacts', 0]]);
    expect(paths({ company: 'con_1' })).toEqual([['company']]);
  });

  test('dates, currency, terms, country and language are checked', () => {
    expect(paths({ invoiceDate: '2026-02-30' })).toEqual([['invoiceDate']]);
    expect(paths({ currency: 'usd' })).toEqual([['currency']]);
    expect(paths({ paymentTerms: 'net31' })).toEqual([['paymentTerms']]);
    expect(paths({ billingAddress: { line1: '1 Main St', city: 'Springfield', country: 'XX' } })).toEqual([
      ['billingAddress', 'country'],
    ]);
    expect(paths({ language: 'xx' })).toEqual([['language']]);
    expect(
      invoiceEditInput.safeParse({
        billingAddress: { line1: '1 Main St', city: 'Springfield', country: 'US' },
        language: 'nl',
        locale: 'nl-NL',
      }).success,
    ).toBe(true);
  });
});

describe('lineItemInput', () => {
  test('a line item id must look like li_…', () => {
    expect(lineItemInput.safeParse(line({ id: 'li_abc' })).success).toBe(true);
    expect(lineItemInput.safeParse(line({ id: 'abc' })).success).toBe(false);
  });
});

describe('markPaidInput', () => {
  test('paidAt is an instant or a calendar date, or absent', () => {
    expect(markPaidInput.safeParse({}).success).toBe(true);
    expect(markPaidInput.safeParse({ paidAt: '2026-11-20' }).success).toBe(true);
    expect(markPaidInput.safeParse({ paidAt: '2026-11-20T10:00:00Z' }).success).toBe(true);
    expect(markPaidInput.safeParse({ paidAt: 'yesterday' }).success).toBe(false);
    expect(markPaidInput.safeParse({ paidAt: '2026-11-20', extra: 1 }).success).toBe(false);
  });
});
