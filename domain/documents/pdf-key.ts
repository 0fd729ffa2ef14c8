import type { Invoice } from '../invoices/invoice.js';

/**
 * Where an invoice's PDF lives in the bucket: one object per version and status, so the PDF of
 * an open invoice is never overwritten by its PAID or VOID rendering, and a replayed render of the
 * same version writes the same key.
 */
export function pdfKey(invoice: Pick<Invoice, 'accountId' | 'id' | 'version' | 'status'>): string {
  return `pdfs/${invoice.accountId}/${invoice.id}/v${invoice.version}-${invoice.status}.pdf`;
}
