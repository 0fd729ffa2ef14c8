import Big from 'big.js';
import type { Invoice } from '../invoices/invoice.js';
import { richTextToPlain } from '../invoices/rich-text.js';
import { minorUnits } from '../money/currency.js';
import { propertyDef, type InvoiceProperty } from '../search/invoice-properties.js';

/**
 * One cell of an export. Money is in major units (`1234.56`) with its currency and the number of
 * decimals, so a spreadsheet can show it as money; text is text, never a formula.
 */
export type ExportCell =
  | { kind: 'text'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'money'; value: string; currency: string; decimals: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'empty' };

/** The columns of an export when none are chosen: those of the invoice index page. */
export const DEFAULT_EXPORT_COLUMNS: InvoiceProperty[] = [
  'number',
  'status',
  'pastDue',
  'invoiceDate',
  'dueDate',
  'currency',
  'total',
  'balanceDue',
  'contact',
  'company',
  'poNumber',
  'owner',
];

/** The chosen columns, with `currency` added after the first money column when it was left out. */
export function exportColumns(chosen: InvoiceProperty[] | undefined): InvoiceProperty[] {
  const columns = [...(chosen ?? DEFAULT_EXPORT_COLUMNS)];
  const firstMoney = columns.findIndex((c) => propertyDef(c).money);
  if (firstMoney >= 0 && !columns.includes('currency')) columns.splice(firstMoney + 1, 0, 'currency');
  return columns;
}

export function exportRow(invoice: Invoice, columns: InvoiceProperty[]): ExportCell[] {
  return columns.map((column): ExportCell => {
    const def = propertyDef(column);
    // Labels export as their texts, which a reader of the file knows, not their ids.
    if (column === 'associationLabel') {
      const texts = [
        ...new Set(Object.values(invoice.associationLabels ?? {}).flatMap((ls) => ls.map((l) => l.label))),
      ];
      return texts.length ? { kind: 'text', value: texts.join(', ') } : { kind: 'empty' };
    }
    const v = def.get(invoice);
    if (v === null || v === undefined) return { kind: 'empty' };
    if (def.money) {
      const decimals = minorUnits(invoice.currency);
      return {
        kind: 'money',
        value: new Big(v as number).div(10 ** decimals).toFixed(decimals),
        currency: invoice.currency,
        decimals,
      };
    }
    if (Array.isArray(v)) return v.length ? { kind: 'text', value: v.join(' ') } : { kind: 'empty' };
    if (typeof v === 'boolean') return { kind: 'boolean', value: v };
    if (typeof v === 'number') return { kind: 'number', value: v };
    return { kind: 'text', value: column === 'comments' ? richTextToPlain(v) : v };
  });
}
