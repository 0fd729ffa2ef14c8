import { createHash } from 'node:crypto';
import type { Company, Contact } from '../crm/records.js';
import { creditNotePdfKey } from '../credit-notes/credit-note-use-cases.js';
import type { CreditNote } from '../credit-notes/credit-note.js';
import type { Invoice } from '../invoices/invoice.js';
import type { CreditNoteDocuments } from '../stream/ledger-side-effects.js';
import { escapeHtml as esc } from './html.js';
import { catalogFor } from './i18n/catalogs.js';
import { billTo, CSS, fromBlock } from './invoice-template.js';
import { localeFormat } from './locale-format.js';
import { paperFormat } from './paper-format.js';

/** Only the one style block may apply (by its hash), as on the invoice's documents. */
const META_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(CSS, 'utf8').digest('base64')}'`,
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * A credit note as an HTML document for its PDF: in the invoice's language and locale (carried on
 * the credit note, so it reads the same whatever changes later), from the seller the invoice was
 * issued by (with its logo), billed to the invoice's parties, with the shared invoice styles.
 */
export function renderCreditNoteHtml(
  creditNote: CreditNote,
  invoice: Invoice | null,
  parties: { contacts: Contact[]; company: Company | null; logo?: string | null },
): string {
  const t = catalogFor(creditNote.language);
  const f = localeFormat(creditNote.locale, creditNote.currency);
  const title = `${t.creditNote} ${creditNote.number}`;
  const facts: [string, string][] = [
    [t.creditNoteNumber, creditNote.number],
    [t.issuedOn, f.date(creditNote.issuedAt.slice(0, 10))],
    ...(creditNote.invoiceNumber ? [[t.forInvoice, creditNote.invoiceNumber] as [string, string]] : []),
    [t.reason, creditNote.reason],
  ];
  const rows = creditNote.lines.map(
    (l) =>
      `<tr><td><div class="item-name">${esc(l.description)}</div></td><td class="num">${l.quantity === null ? '' : esc(f.quantity(l.quantity))}</td><td class="num">${esc(f.money(l.tax))}</td><td class="num">${esc(f.money(l.amount))}</td></tr>`,
  );
  const row = (cls: string, label: string, minor: number) =>
    `<tr class="${cls}"><th>${esc(label)}</th><td class="num">${esc(f.money(minor))}</td></tr>`;
  const billing = invoice
    ? billTo({ invoice, contacts: parties.contacts, company: parties.company, mode: 'pdf' }, t)
    : '';
  return `<!DOCTYPE html>
<html lang="${esc(creditNote.language)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(META_CSP)}">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body class="mode-pdf">
<main>
<header>
<div>
<h1>${esc(t.creditNote)}</h1>
<p class="number">${esc(creditNote.number)}</p>
</div>
</header>
<div class="parties">
${fromBlock(invoice?.seller ?? null, creditNote, t, parties.logo ?? null)}
${billing}
<dl class="facts">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
</div>
<table class="items">
<thead><tr><th>${esc(t.item)}</th><th class="num">${esc(t.quantity)}</th><th class="num">${esc(t.tax)}</th><th class="num">${esc(t.amount)}</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
<table class="totals">
${row('subtotal', t.subtotal, creditNote.subtotal)}
${row('tax', t.tax, creditNote.tax)}
${row('total', t.creditTotal, creditNote.total)}
${creditNote.appliedToBalance ? row('applied', t.appliedToBalance, creditNote.appliedToBalance) : ''}
${creditNote.refundAmount ? row('balance', t.refundOwed, creditNote.refundAmount) : ''}
</table>
${creditNote.memo ? `<section class="comments"><h2>${esc(t.comments)}</h2><p>${esc(creditNote.memo)}</p></section>` : ''}
</main>
</body>
</html>
`;
}

/** What the stream needs to render a credit note: the template, the paper of its locale and the S3 key. */
export const creditNoteDocuments: CreditNoteDocuments = {
  html: renderCreditNoteHtml,
  format: (c) => paperFormat(c.locale),
  key: creditNotePdfKey,
};
