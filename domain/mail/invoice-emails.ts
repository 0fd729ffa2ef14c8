import type { Contact } from '../crm/records.js';
import { fill } from '../documents/i18n/catalogs.js';
import { localeFormat } from '../documents/locale-format.js';
import { invoiceUrl, type Invoice } from '../invoices/invoice.js';
import type { InlineImage, MailMessage } from '../ports.js';
import type { SellerProfile } from '../settings/settings-input.js';
import { mailCatalogFor, type MailCatalog } from './mail-catalogs.js';

/**
 * The emails a buyer gets about an invoice (send, reminders, receipts), each in the invoice's
 * language with amounts and dates in its locale, as plain text and HTML. The links are the buyer
 * page (where online payment arrives) and its PDF link, which signs a fresh S3 link on each visit,
 * so the email never holds a link that expires.
 */
export type InvoiceEmail = { kind: 'send' } | { kind: 'reminder'; today: string } | { kind: 'receipt' };

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The seller's name, address, VAT id, contact and bank account, one per line, to sign the email. */
export function sellerLines(seller: SellerProfile | null | undefined): string[] {
  if (!seller) return [];
  const a = seller.address;
  return [
    seller.legalName,
    [a.line1, a.line2].filter(Boolean).join(', '),
    [a.postalCode, a.city, a.region, a.country].filter(Boolean).join(' '),
    seller.vatId ? `VAT ${seller.vatId}` : '',
    seller.contact?.email ?? '',
    seller.bankAccount
      ? `IBAN ${seller.bankAccount.iban}${seller.bankAccount.bic ? ` (BIC ${seller.bankAccount.bic})` : ''}`
      : '',
  ].filter(Boolean);
}

export function contactName(c: Pick<Contact, 'firstName' | 'lastName' | 'email'>): string {
  return [c.firstName, c.lastName].filter(Boolean).join(' ') || c.email || '';
}

export function invoiceEmail(
  email: InvoiceEmail,
  invoice: Invoice,
  contact: Pick<Contact, 'firstName' | 'lastName' | 'email'>,
  publicBaseUrl: string,
  logo: InlineImage | null = null,
): MailMessage {
  const t = mailCatalogFor(invoice.language);
  const f = localeFormat(invoice.locale, invoice.currency);
  const url = invoiceUrl(invoice, publicBaseUrl);
  const values: Record<string, string> = {
    number: invoice.number ?? '',
    dueDate: invoice.dueDate ? f.date(invoice.dueDate) : '',
    amount: f.money(email.kind === 'receipt' ? invoice.totals.amountPaid : invoice.totals.balanceDue),
    paidDate: invoice.paidAt ? f.date(invoice.paidAt.slice(0, 10)) : '',
  };
  if (email.kind === 'send') values.amount = f.money(invoice.totals.total);
  const { subject, body } = texts(t, email, invoice);
  const name = contactName(contact);
  const links = [
    // A paid invoice's page still shows it; a receipt links the PDF (now marked paid) as well.
    { label: t.payLink, href: url },
    { label: t.pdfLink, href: `${url}/pdf` },
  ];
  // The seller the invoice was issued by (fixed at finalization) signs every email about it.
  const seller = sellerLines(invoice.seller);
  const greeting = fill(t.greeting, { name });
  const text = [
    greeting,
    '',
    fill(body, values),
    '',
    ...links.map((l) => `${l.label}: ${l.href}`),
    '',
    t.signOff,
    ...(seller.length ? ['', ...seller] : []),
    '',
  ].join('\n');
  const esc = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, escapeHtml(v)]));
  const html = [
    `<!doctype html><html lang="${escapeHtml(invoice.language)}"><body>`,
    `<p>${fill(escapeHtml(t.greeting), { name: escapeHtml(name) })}</p>`,
    `<p>${fill(escapeHtml(body), esc)}</p>`,
    `<p>${links.map((l) => `<a href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a>`).join(' · ')}</p>`,
    `<p>${escapeHtml(t.signOff)}</p>`,
    ...(logo
      ? [
          `<p><img src="cid:${escapeHtml(logo.cid)}" alt="${escapeHtml(invoice.seller?.legalName ?? '')}" style="max-height:64px;max-width:240px"></p>`,
        ]
      : []),
    ...(seller.length ? [`<p>${seller.map(escapeHtml).join('<br>')}</p>`] : []),
    '</body></html>',
  ].join('');
  return { to: contact.email!, subject: fill(subject, values), text, html, ...(logo ? { inline: [logo] } : {}) };
}

function texts(t: MailCatalog, email: InvoiceEmail, invoice: Invoice): { subject: string; body: string } {
  switch (email.kind) {
    case 'send':
      return t.send;
    case 'receipt':
      return t.receipt;
    case 'reminder': {
      const due = invoice.dueDate ?? email.today;
      if (due > email.today) return { subject: t.reminder.subjectUpcoming, body: t.reminder.bodyUpcoming };
      if (due === email.today) return { subject: t.reminder.subjectDue, body: t.reminder.bodyDue };
      return { subject: t.reminder.subjectPastDue, body: t.reminder.bodyPastDue };
    }
  }
}
