import Big from 'big.js';
import fc from 'fast-check';
import { convert } from 'xmlbuilder2';
import { describe, expect, test } from 'vitest';
import { invoiceEinvoice } from '../../../../domain/einvoice/einvoice-document.js';
import { toCii } from '../../../../domain/einvoice/cii.js';
import { toUbl } from '../../../../domain/einvoice/ubl.js';
import { invoiceMoney, vatBreakdown, type LineMoneyInput } from '../../../../domain/money/line-items.js';
import { minorUnits } from '../../../../domain/money/currency.js';
import { flat, invoiceCase, issued } from '../../../support/einvoice-fixtures.js';

/**
 * Money that agrees to the cent: over random line items (fractional quantities, per-unit amount and
 * percent discounts, mixed rates and categories, EUR and JPY) the service's own totals obey EN 16931's
 * sums (BR-CO-10 … BR-CO-17, PEPPOL-EN16931-R120), and the UBL and CII carry exactly those totals.
 */
type Node = Record<string, unknown>;
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const text = (v: unknown): string => (typeof v === 'object' && v !== null ? String((v as Node)['#']) : String(v));

describe('EN 16931 money, property-tested', () => {
  test('the totals obey the BR-CO sums, and the XML carries them to the minor unit', () => {
    fc.assert(
      fc.property(invoiceCase, ({ currency, lines }) => {
        const invoice = issued({ name: 'random', body: { currency, lineItems: lines.map(flat) } });
        const t = invoice.totals;
        const net = invoice.lineItems.reduce((s, l) => s + l.amount, 0);
        // BR-CO-10 / 13 / 15: net = Σ line nets; total = net + VAT; gross − discount = net.
        expect(t.subtotal - t.discount).toBe(net);
        expect(t.total).toBe(net + t.tax);
        // BR-CO-14 and BR-CO-17 exactly: VAT is per category and rate over the summed nets, rounded once.
        const groups = vatBreakdown(invoice.lineItems);
        for (const g of groups) expect(g.tax).toBe(Number(new Big(g.taxable).times(g.rate).div(100).round(0, 1)));
        expect(groups.reduce((s, g) => s + g.tax, 0)).toBe(t.tax);
        // The lines' VAT shares add up to the total VAT.
        expect(invoice.lineItems.reduce((s, l) => s + l.taxAmount, 0)).toBe(t.tax);

        const doc = invoiceEinvoice(invoice, { contactName: null });
        const digits = minorUnits(currency);
        const major = (minor: number) => new Big(minor).div(10 ** digits).toFixed(digits);
        const ubl = convert(toUbl(doc), { format: 'object' }) as Node;
        const root = ubl['Invoice'] as Node;
        const totals = root['cac:LegalMonetaryTotal'] as Node;
        expect(text(totals['cbc:LineExtensionAmount'])).toBe(major(net));
        expect(text(totals['cbc:TaxExclusiveAmount'])).toBe(major(net));
        expect(text(totals['cbc:TaxInclusiveAmount'])).toBe(major(t.total));
        expect(text(totals['cbc:PayableAmount'])).toBe(major(t.balanceDue));
        const taxTotal = root['cac:TaxTotal'] as Node;
        expect(text(taxTotal['cbc:TaxAmount'])).toBe(major(t.tax));
        const subtotals = asArray(taxTotal['cac:TaxSubtotal'] as Node | Node[]);
        expect(subtotals.map((s) => text(s['cbc:TaxAmount']))).toEqual(groups.map((g) => major(g.tax)));
        // PEPPOL-EN16931-R120: quantity × (net price / base quantity) is the line amount within 0.02.
        for (const l of asArray(root['cac:InvoiceLine'] as Node | Node[])) {
          const price = l['cac:Price'] as Node;
          const base = price['cbc:BaseQuantity'] ? new Big(text(price['cbc:BaseQuantity'])) : new Big(1);
          const computed = new Big(text(l['cbc:InvoicedQuantity'])).times(
            new Big(text(price['cbc:PriceAmount'])).div(base),
          );
          expect(computed.minus(text(l['cbc:LineExtensionAmount'])).abs().lte('0.02')).toBe(true);
        }
        const cii = toCii(doc);
        expect(cii).toContain(`<ram:GrandTotalAmount>${major(t.total)}</ram:GrandTotalAmount>`);
        expect(cii).toContain(`<ram:TaxTotalAmount currencyID="${currency}">${major(t.tax)}</ram:TaxTotalAmount>`);
        expect(cii).toContain(`<ram:DuePayableAmount>${major(t.balanceDue)}</ram:DuePayableAmount>`);
      }),
      { numRuns: 300 },
    );
  });

  test('VAT is rounded once per group, not per line: three lines of 0.05 at 10% make 0.02, not 0.03', () => {
    const lines: LineMoneyInput[] = [1, 2, 3].map(() => ({ unitPrice: 5, quantity: 1, taxRate: 10 }));
    const { lines: priced, vat } = invoiceMoney(lines);
    expect(vat).toEqual([{ category: 'S', rate: 10, taxable: 15, tax: 2 }]);
    expect(priced.map((l) => l.tax).reduce((a, b) => a + b)).toBe(2);
  });
});
