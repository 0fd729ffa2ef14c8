import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import type { ExportCell } from '../../domain/exports/export-rows.js';
import type { ExportFileBuilder, ExportFormat } from '../../domain/exports/invoice-exports.js';
import type { InvoiceProperty } from '../../domain/search/invoice-properties.js';

/**
 * A spreadsheet opening a CSV runs a cell that starts with = + - @ (or a tab or carriage return)
 * as a formula. OWASP's advice: prefix such text with a single quote. Only text cells are touched:
 * a negative amount stays a number.
 */
export function neutralizeFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function csvValue(cell: ExportCell): string {
  switch (cell.kind) {
    case 'empty':
      return '';
    case 'text':
      return neutralizeFormula(cell.value);
    case 'boolean':
      return cell.value ? 'true' : 'false';
    default:
      return String(cell.value);
  }
}

/** RFC 4180: CRLF line ends, fields quoted where needed (csv-stringify), a header row of property names. */
function csv(columns: InvoiceProperty[], rows: ExportCell[][]): Uint8Array {
  const text = stringify([columns, ...rows.map((r) => r.map(csvValue))], { record_delimiter: '\r\n' });
  return Buffer.from(text, 'utf8');
}

/** Money as numbers formatted with their currency's decimals and code; text is never a formula in XLSX. */
async function xlsx(columns: InvoiceProperty[], rows: ExportCell[][]): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Invoices');
  sheet.addRow(columns).font = { bold: true };
  for (const r of rows) {
    const row = sheet.addRow(
      r.map((cell) => (cell.kind === 'empty' ? null : cell.kind === 'money' ? Number(cell.value) : cell.value)),
    );
    r.forEach((cell, k) => {
      if (cell.kind === 'money')
        row.getCell(k + 1).numFmt = `#,##0${cell.decimals ? `.${'0'.repeat(cell.decimals)}` : ''} "${cell.currency}"`;
    });
  }
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

export const exportFiles: ExportFileBuilder = {
  async build(format: ExportFormat, columns: InvoiceProperty[], rows: ExportCell[][]) {
    return format === 'csv'
      ? { body: csv(columns, rows), contentType: 'text/csv; charset=utf-8; header=present' }
      : {
          body: await xlsx(columns, rows),
          contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        };
  },
};
