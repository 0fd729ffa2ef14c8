import type { Company, Contact } from '../crm/records.js';
import type { Invoice } from '../invoices/invoice.js';
import { renderInvoiceHtml } from './invoice-template.js';
import { paperFormat } from './paper-format.js';
import { pdfKey } from './pdf-key.js';
import type { LedgerView } from '../stream/ledger-side-effects.js';

/**
 * What the PDF of an invoice is made of, for the code that renders it (the stream handler): the
 * shared template in its PDF mode, the paper of the invoice's locale, and the object key.
 */
export const invoiceDocuments = {
  html: (
    invoice: Invoice,
    parties: { contacts: Contact[]; company: Company | null; logo?: string | null } & LedgerView,
  ): string =>
    renderInvoiceHtml({
      invoice,
      contacts: parties.contacts,
      company: parties.company,
      payments: parties.payments,
      creditNotes: parties.creditNotes,
      logo: parties.logo ?? null,
      mode: 'pdf',
    }),
  format: (invoice: Invoice): 'A4' | 'Letter' => paperFormat(invoice.locale),
  key: pdfKey,
};
