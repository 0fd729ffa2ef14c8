import type { Actor } from '../auth/actor.js';
import { byUser } from '../audit/history.js';
import { fieldError } from '../errors.js';
import { mutate } from '../optimistic.js';
import { toInstant } from '../dates/calendar.js';
import type { Mailer } from '../ports.js';
import { invoiceUrl, type Invoice } from './invoice.js';
import { loadInvoice, type InvoiceDeps } from './invoice-use-cases.js';
import { assertAllowed } from './status-machine.js';
import type { SellerProfile } from '../settings/settings.js';

export type SendDeps = InvoiceDeps & { mailer: Mailer; publicBaseUrl: string };

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The seller's name, address, VAT id and bank account, one per line, for the email's signature. */
export function sellerLines(seller: SellerProfile | null): string[] {
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

/**
 * Emails each associated contact that has an address a link to the invoice, then records
 * `sentAt` (its stream record publishes `invoice.sent`). Open and paid invoices can be sent (a
 * paid one as a receipt); a draft has nothing to send yet and a voided one nothing to ask for.
 */
export async function sendInvoice(
  deps: SendDeps,
  actor: Actor,
  id: string,
  ifMatch?: number,
  requestId?: string,
): Promise<Invoice> {
  // The mail goes out once per request: when the `sentAt` write loses a version race (a payment,
  // an edit landed in between) the retry re-reads and writes again, but does not mail again.
  let mailed = false;
  return mutate(
    () => loadInvoice(deps, actor, id),
    ifMatch,
    async (current) => {
      assertAllowed('send', current.status);
      if (!mailed) {
        await mailContacts(deps, actor, current, requestId);
        mailed = true;
      }
      const now = toInstant(deps.clock.now());
      return deps.invoices.replace(
        current,
        { ...current, sentAt: now, version: current.version + 1, updatedAt: now },
        byUser(actor, 'sent', now),
      );
    },
  );
}

async function mailContacts(deps: SendDeps, actor: Actor, invoice: Invoice, requestId: string | undefined) {
  const contacts = (await Promise.all(invoice.contacts.map((c) => deps.contacts.get(actor.accountId, c)))).filter(
    (c) => c?.email,
  );
  if (contacts.length === 0) throw fieldError('contacts', 'no contact of this invoice has an email address');
  const url = invoiceUrl(invoice, deps.publicBaseUrl);
  // The seller the invoice was issued by (fixed at finalization) signs the email.
  const seller = sellerLines(invoice.seller ?? null);
  const subject = invoice.seller
    ? `Invoice ${invoice.number} from ${invoice.seller.tradingName || invoice.seller.legalName}`
    : `Invoice ${invoice.number}`;
  for (const contact of contacts) {
    const name = [contact!.firstName, contact!.lastName].filter(Boolean).join(' ') || contact!.email!;
    await deps.mailer.send({
      to: contact!.email!,
      subject,
      text: `Hello ${name},\n\nYour invoice ${invoice.number} is ready: ${url}\n${seller.length ? `\n${seller.join('\n')}\n` : ''}`,
      html: `<p>Hello ${escapeHtml(name)},</p><p>Your invoice ${escapeHtml(invoice.number ?? '')} is ready: <a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>${seller.length ? `<p>${seller.map(escapeHtml).join('<br>')}</p>` : ''}`,
      ...(requestId ? { idempotencyKey: `send-${invoice.id}-${requestId}-${contact!.id}` } : {}),
    });
  }
}
