import { createHash } from 'node:crypto';
import type { Company, Contact } from '../crm/records.js';
import type { Invoice, LineItem } from '../invoices/invoice.js';
import { loadRichText, sanitizeRichText } from '../invoices/rich-text.js';
import { addressLines, loadAddressFormats } from './address-lines.js';
import { escapeHtml as esc } from './html.js';
import { catalogFor, fill, type Catalog } from './i18n/catalogs.js';
import { localeFormat, type LocaleFormat } from './locale-format.js';
import type { CreditNote } from '../credit-notes/credit-note.js';
import type { Payment } from '../payments/payment.js';
import { credited } from '../money/settlement.js';
import { ledgerSections, refundOwed } from './ledger-sections.js';
import type { SellerProfile } from '../settings/settings-input.js';

/**
 * Where the document is shown. One template serves all three so they cannot disagree; the mode
 * changes only what belongs to the medium: the buyer's page links to the PDF, the others do not.
 */
export type DocumentMode = 'page' | 'preview' | 'pdf';

export type InvoiceView = {
  invoice: Invoice;
  /** The invoice's contacts that still exist, in the invoice's order. */
  contacts: Contact[];
  company: Company | null;
  mode: DocumentMode;
  /** What was recorded against the invoice (none on a draft); shown below the totals. */
  payments?: Payment[] | undefined;
  creditNotes?: CreditNote[] | undefined;
  /** The buyer page's Pay button: present only where the invoice can be paid online now. */
  pay?: { amount: number } | null;
  /** Said on the buyer page after a checkout: the payment is on its way, or the buyer turned back. */
  notice?: 'processing' | 'cancelled' | null;
  /** Who issues it: the profile fixed at finalization, or (drafts) the account's current one. */
  seller?: SellerProfile | null | undefined;
  /** The seller's logo as a data URL (domain/settings/seller-logo.ts), shown in the "From" block. */
  logo?: string | null | undefined;
};

/**
 * All of the document's CSS, in the one <style> block. The Content-Security-Policy allows exactly
 * this block by its hash, so the page can carry no other style, inline attribute or script.
 */
export const CSS = `
@page { margin: 16mm 14mm; }
* { box-sizing: border-box; }
html { font-family: "Open Sans", "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10.5pt; color: #1f2328; background: #fff; }
body { margin: 0; }
main { position: relative; max-width: 820px; margin: 0 auto; padding: 32px 28px; }
@media print { main { max-width: none; padding: 0; } }
h1 { font-size: 22pt; margin: 0; font-weight: 700; letter-spacing: .01em; }
h2 { font-size: 9pt; text-transform: uppercase; letter-spacing: .08em; color: #57606a; margin: 0 0 6px; font-weight: 700; }
header { display: flex; justify-content: space-between; align-items: flex-start; gap: 16px; border-bottom: 2px solid #1f2328; padding-bottom: 14px; margin-bottom: 18px; }
.number { font-size: 13pt; margin: 4px 0 0; }
.badges { display: flex; gap: 6px; margin-top: 8px; }
.badge { display: inline-block; padding: 2px 8px; border-radius: 10px; font-size: 8.5pt; font-weight: 700; background: #eaeef2; }
.badge.status-paid { background: #dafbe1; color: #116329; }
.badge.status-voided { background: #ffebe9; color: #a40e26; }
.badge.past-due { background: #fff1e5; color: #953800; }
.download { display: inline-block; padding: 8px 14px; border-radius: 6px; background: #1f2328; color: #fff; text-decoration: none; font-weight: 700; white-space: nowrap; }
.notice { padding: 10px 12px; border-radius: 6px; margin: 0 0 18px; font-weight: 700; }
.notice.voided { background: #ffebe9; color: #a40e26; }
.notice.paid { background: #dafbe1; color: #116329; }
.parties { display: flex; justify-content: space-between; gap: 24px; margin-bottom: 22px; }
.parties p { margin: 0; }
.bill-to .company, .from .company { font-weight: 700; }
.from .ids, .from .contact, .from .address { margin-top: 4px; color: #57606a; }
section.payment.bank dl.facts { display: inline-grid; }
.from img.logo { display: block; max-width: 180px; max-height: 64px; width: auto; height: auto; margin: 0 0 8px; }
.bill-to .contact { margin-top: 4px; }
.bill-to .email { color: #57606a; }
.bill-to .address { margin-top: 6px; }
dl.facts { display: grid; grid-template-columns: auto auto; gap: 4px 14px; margin: 0; }
dl.facts dt { color: #57606a; }
dl.facts dd { margin: 0; text-align: right; }
table { width: 100%; border-collapse: collapse; }
table.items th { text-align: left; font-size: 8.5pt; text-transform: uppercase; letter-spacing: .06em; color: #57606a; border-bottom: 1px solid #d0d7de; padding: 6px 6px; }
table.items td { border-bottom: 1px solid #eaeef2; padding: 8px 6px; vertical-align: top; }
table.items tr { break-inside: avoid; }
.num, table.items th.num { text-align: right; white-space: nowrap; }
.item-name { font-weight: 700; }
.item-description { color: #57606a; font-size: 9.5pt; margin-top: 2px; white-space: pre-line; }
table.totals { width: auto; min-width: 45%; margin: 14px 0 0 auto; }
table.totals th { text-align: left; font-weight: 400; color: #57606a; padding: 4px 6px; }
table.totals td { padding: 4px 6px; }
table.totals tr.total th, table.totals tr.total td { font-weight: 700; color: #1f2328; border-top: 1px solid #1f2328; }
table.totals tr.balance th, table.totals tr.balance td { font-weight: 700; color: #1f2328; font-size: 12pt; }
section.comments, section.payment, section.ledger { margin-top: 22px; break-inside: avoid; }
.rich p { margin: 0 0 6px; }
.rich a { color: #0969da; }
.payment ul { margin: 0; padding-left: 18px; }
.mark { position: fixed; top: 38%; left: 0; right: 0; text-align: center; font-size: 88pt; font-weight: 700; letter-spacing: .08em; color: rgba(164, 14, 38, .16); transform: rotate(-24deg); pointer-events: none; z-index: 10; }
.mark.draft { color: rgba(87, 96, 106, .16); }
.mark.paid { color: rgba(17, 99, 41, .16); }
.notice.processing { background: #ddf4ff; color: #0a3069; }
.notice.cancelled { background: #eaeef2; color: #1f2328; }
form.pay { margin: 0 0 18px; display: flex; flex-wrap: wrap; align-items: center; gap: 8px 14px; }
.pay-button { font: inherit; font-size: 12pt; font-weight: 700; padding: 10px 18px; border: 0; border-radius: 6px; background: #1a7f37; color: #fff; cursor: pointer; }
.pay-button:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
.pay-methods { margin: 0; color: #57606a; }
@media (max-width: 600px) {
  header, .parties { flex-direction: column; }
  .mark { font-size: 48pt; }
  main { padding: 20px 14px; }
  dl.facts dd { text-align: left; }
  .pay-button { width: 100%; }
  /* On a phone each line is a small card: its name, then one labelled row per figure. */
  table.items thead { display: none; }
  table.items, table.items tbody, table.items tr, table.items td { display: block; width: 100%; }
  table.items tr { border-bottom: 1px solid #d0d7de; padding: 6px 0; }
  table.items td { border: 0; padding: 2px 0; }
  table.items td.num { display: flex; justify-content: space-between; gap: 12px; white-space: normal; }
  table.items td.num::before { content: attr(data-label); color: #57606a; }
  table.items td.num.empty { display: none; }
  table.totals { width: 100%; min-width: 0; }
}
`;

const STYLE_HASH = `sha256-${createHash('sha256').update(CSS, 'utf8').digest('base64')}`;

const BASE_POLICY = ["default-src 'none'", `style-src '${STYLE_HASH}'`, 'img-src data:', "base-uri 'none'"];
const POLICY = [...BASE_POLICY, "form-action 'none'"];

/**
 * The Content-Security-Policy to send with the page and the preview: nothing loads or runs but
 * the one style block (by its hash) and data: images; no frame may embed the page.
 */
export const INVOICE_CSP = [...POLICY, "frame-ancestors 'none'"].join('; ');

/**
 * The buyer page's policy where it offers Pay: the same, except that its one form may post to
 * the page's own origin and follow the redirect to the processor's hosted checkout (browsers
 * check form-action on the redirect too). Still no script of ours, or anyone's.
 */
/** Whether a rendered page carries the Pay form (so its response may take payablePageCsp). */
export const offersPay = (html: string): boolean => html.includes('<form class="pay"');

export const payablePageCsp = (checkoutOrigin: string): string =>
  [...BASE_POLICY, `form-action 'self' ${checkoutOrigin}`, "frame-ancestors 'none'"].join('; ');

/**
 * The same policy inside the document, so it also holds where no header is sent (the PDF render).
 * frame-ancestors is left out: browsers ignore it in a <meta> policy.
 */
const META_CSP = POLICY.join('; ');

/**
 * The buyer page's own: its header policy names where its form may post (payablePageCsp), which
 * the template cannot know, and a second, stricter policy in the document would block that post.
 */
const PAGE_META_CSP = BASE_POLICY.join('; ');

/** The invoice as an HTML document, in its language (labels) and locale (dates, numbers, money, addresses). */
/** What the template needs loaded before it renders (the sanitizer and the address formats). */
export async function loadInvoiceTemplate(): Promise<void> {
  await Promise.all([loadRichText(), loadAddressFormats()]);
}

/** The document as HTML; loadInvoiceTemplate() must have resolved. */
export function renderInvoiceHtml(view: InvoiceView): string {
  const { invoice, mode } = view;
  const t = catalogFor(invoice.language);
  const f = localeFormat(invoice.locale, invoice.currency);
  const title = invoice.number ? `${t.invoice} ${invoice.number}` : t.draftInvoice;
  const mark = invoice.status === 'open' ? null : t.marks[invoice.status];
  // Nothing is payable on a void or settled invoice, so no payment options are offered there.
  const payable = invoice.status === 'draft' || invoice.status === 'open';

  return `<!DOCTYPE html>
<html lang="${esc(invoice.language)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(mode === 'page' ? PAGE_META_CSP : META_CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body class="mode-${mode}">
<main>
${mark ? `<div class="mark ${invoice.status}" aria-hidden="true">${esc(mark)}</div>` : ''}
<header>
<div>
<h1>${esc(invoice.number ? t.invoice : t.draftInvoice)}</h1>
${invoice.number ? `<p class="number">${esc(invoice.number)}</p>` : ''}
<div class="badges"><span class="badge status-${invoice.status}">${esc(t.statuses[invoice.status])}</span>${invoice.pastDue && invoice.status === 'open' ? `<span class="badge past-due">${esc(t.pastDue)}</span>` : ''}</div>
</div>
${mode === 'page' && invoice.status !== 'draft' ? `<a class="download" href="${esc(encodeURIComponent(invoice.slug))}/pdf" rel="nofollow">${esc(t.downloadPdf)}</a>` : ''}
</header>
${invoice.status === 'voided' ? `<p class="notice voided">${esc(t.voidNotice)}</p>` : ''}
${invoice.status === 'paid' ? `<p class="notice paid">${esc(t.paidNotice)}</p>` : ''}
${mode === 'page' && view.notice === 'processing' ? `<p class="notice processing" role="status">${esc(t.paymentProcessing)}</p>` : ''}
${mode === 'page' && view.notice === 'cancelled' ? `<p class="notice cancelled" role="status">${esc(t.checkoutCancelled)}</p>` : ''}
${mode === 'page' && view.pay ? payForm(invoice, view.pay.amount, t, f) : ''}
<div class="parties">
${fromBlock(view.seller ?? invoice.seller ?? null, invoice, t, view.logo ?? null)}
${billTo(view, t)}
${facts(invoice, t, f)}
</div>
${lineItems(invoice.lineItems, t, f)}
${totals(invoice, t, f)}
${ledgerSections(view, t, f)}
${invoice.comments ? `<section class="comments"><h2>${esc(t.comments)}</h2><div class="rich">${sanitizeRichText(invoice.comments)}</div></section>` : ''}
${payable ? bankDetails(view.seller ?? invoice.seller ?? null, invoice, t) : ''}
${payable && invoice.billing.paymentMethods.length ? `<section class="payment"><h2>${esc(t.paymentMethods)}</h2><ul>${invoice.billing.paymentMethods.map((m) => `<li>${esc(t.paymentMethod[m])}</li>`).join('')}</ul></section>` : ''}
</main>
</body>
</html>
`;
}

/** A plain form post to `/i/{slug}/checkout` (relative to the page), answered by a redirect to the hosted checkout. */
function payForm(invoice: Invoice, amount: number, t: Catalog, f: LocaleFormat): string {
  const methods = invoice.billing.paymentMethods.map((m) => t.paymentMethod[m]).join(' · ');
  return `<form class="pay" method="post" action="${esc(encodeURIComponent(invoice.slug))}/checkout">
<button type="submit" class="pay-button">${fill(esc(t.pay), { amount: esc(f.money(amount)) })}</button>
<p class="pay-methods">${esc(methods || t.payWith)}</p>
</form>`;
}

/** Only an inlined PNG or JPEG: the CSP allows `img-src data:` and nothing else, and so does the template. */
const SAFE_LOGO_URL = /^data:image\/(png|jpeg);base64,[A-Za-z0-9+/]+=*$/;

/** The seller (VAT directive art. 226: name, address, VAT number), with its registration and contact. */
export function fromBlock(
  seller: SellerProfile | null,
  invoice: Pick<Invoice, 'language'>,
  t: Catalog,
  logo: string | null = null,
): string {
  if (!seller) return '';
  const ids = [
    seller.vatId ? `${t.vatId} ${seller.vatId}` : '',
    seller.taxRegistrationId ? seller.taxRegistrationId : '',
    seller.legalRegistrationId ? `${t.registrationId} ${seller.legalRegistrationId.id}` : '',
  ].filter(Boolean);
  const contact = [seller.contact?.name, seller.contact?.email, seller.contact?.phone].filter(Boolean) as string[];
  return `<section class="from">
<h2>${esc(t.from)}</h2>
${logo && SAFE_LOGO_URL.test(logo) ? `<img class="logo" src="${esc(logo)}" alt="${esc(seller.tradingName || seller.legalName)}">` : ''}
<p class="company">${esc(seller.tradingName || seller.legalName)}</p>
${seller.tradingName && seller.tradingName !== seller.legalName ? `<p class="legal-name">${esc(seller.legalName)}</p>` : ''}
<p class="address">${addressLines(seller.address, invoice.language).map(esc).join('<br>')}</p>
${ids.length ? `<p class="ids">${ids.map(esc).join('<br>')}</p>` : ''}
${contact.length ? `<p class="contact">${contact.map(esc).join('<br>')}</p>` : ''}
</section>`;
}

/** Where to pay by bank transfer: the seller's IBAN and BIC, with the invoice number as reference. */
function bankDetails(seller: SellerProfile | null, invoice: Invoice, t: Catalog): string {
  const bank = seller?.bankAccount;
  if (!bank) return '';
  const rows: [string, string][] = [[t.iban, bank.iban.replace(/(.{4})/g, '$1 ').trim()]];
  if (bank.bic) rows.push([t.bic, bank.bic]);
  if (bank.name) rows.push([t.accountName, bank.name]);
  if (invoice.number) rows.push([t.paymentReference, invoice.number]);
  return `<section class="payment bank"><h2>${esc(t.bankDetails)}</h2><dl class="facts">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl></section>`;
}

export function billTo(view: InvoiceView, t: Catalog): string {
  const { invoice, contacts, company } = view;
  // The invoice's own billing address, else the company's: the one the buyer is billed at.
  const address = invoice.billingAddress ?? company?.address ?? null;
  const people = contacts.map((c) => {
    const name = [c.firstName, c.lastName].filter(Boolean).join(' ');
    const parts = [
      name ? `<div class="name">${esc(name)}</div>` : '',
      c.email ? `<div class="email">${esc(c.email)}</div>` : '',
    ].join('');
    return parts ? `<div class="contact">${parts}</div>` : '';
  });
  return `<section class="bill-to">
<h2>${esc(t.billTo)}</h2>
${company ? `<p class="company">${esc(company.name)}</p>` : ''}
${people.join('\n')}
${address ? `<p class="address">${addressLines(address, invoice.language).map(esc).join('<br>')}</p>` : ''}
</section>`;
}

function facts(invoice: Invoice, t: Catalog, f: LocaleFormat): string {
  const rows: [string, string][] = [];
  if (invoice.number) rows.push([t.invoiceNumber, invoice.number]);
  rows.push([t.invoiceDate, f.date(invoice.invoiceDate)]);
  if (invoice.dueDate) rows.push([t.dueDate, f.date(invoice.dueDate)]);
  if (invoice.poNumber) rows.push([t.poNumber, invoice.poNumber]);
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

function discountText(line: LineItem, t: Catalog, f: LocaleFormat): string {
  if (!line.discount || line.discount.value === 0) return '';
  if (line.discount.type === 'percent') return esc(f.percent(line.discount.value));
  return fill(esc(t.perUnit), { amount: esc(f.money(line.discount.value)) });
}

/** A figure of a line; its label rides along for narrow screens, where the header row is hidden. */
const cell = (label: string, html: string) =>
  `<td class="num${html ? '' : ' empty'}" data-label="${esc(label)}">${html}</td>`;

function lineItems(lines: LineItem[], t: Catalog, f: LocaleFormat): string {
  const rows = lines.map(
    (l) => `<tr>
<td><div class="item-name">${esc(l.name)}</div>${l.description ? `<div class="item-description">${esc(l.description)}</div>` : ''}</td>
${cell(t.quantity, esc(f.quantity(l.quantity)))}
${cell(t.unitPrice, esc(f.money(l.unitPrice)))}
${cell(t.discount, discountText(l, t, f))}
${cell(t.tax, l.taxRate ? esc(f.percent(l.taxRate)) : '')}
${cell(t.amount, esc(f.money(l.amount)))}
</tr>`,
  );
  return `<table class="items">
<thead><tr><th>${esc(t.item)}</th><th class="num">${esc(t.quantity)}</th><th class="num">${esc(t.unitPrice)}</th><th class="num">${esc(t.discount)}</th><th class="num">${esc(t.tax)}</th><th class="num">${esc(t.amount)}</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

function totals(invoice: Invoice, t: Catalog, f: LocaleFormat): string {
  const { subtotal, discount, tax, total, amountPaid, balanceDue } = invoice.totals;
  const row = (cls: string, label: string, minor: number) =>
    `<tr class="${cls}"><th>${esc(label)}</th><td class="num">${esc(f.money(minor))}</td></tr>`;
  return `<table class="totals">
${row('subtotal', t.subtotal, subtotal)}
${discount ? row('discount', t.discount, -discount) : ''}
${row('tax', t.tax, tax)}
${row('total', t.total, total)}
${credited(invoice.totals) ? row('credited', t.creditedAmount, -credited(invoice.totals)) : ''}
${row('paid', t.amountPaid, amountPaid)}
${row('balance', t.balanceDue, balanceDue)}
${refundOwed(invoice.totals) ? row('refund', t.refundOwed, refundOwed(invoice.totals)) : ''}
</table>`;
}
