import type { Actor } from '../auth/actor.js';
import { byUser } from '../audit/history.js';
import { fieldError } from '../errors.js';
import { mutate } from '../optimistic.js';
import { toInstant } from '../dates/calendar.js';
import type { DocumentStore, Mailer } from '../ports.js';
import { emailLogo } from '../settings/seller-logo.js';
import { invoiceEmail } from '../mail/invoice-emails.js';
import type { Invoice } from './invoice.js';
import { loadInvoice, type InvoiceDeps } from './invoice-use-cases.js';
import { assertAllowed } from './status-machine.js';

export type SendDeps = InvoiceDeps & {
  mailer: Mailer;
  publicBaseUrl: string;
  /** Where the seller's logo is read from, to carry it in the emails (absent: none is). */
  logos?: Pick<DocumentStore, 'get'>;
};

/**
 * Emails each associated contact that has an address a link to the invoice (in the invoice's
 * language and locale: domain/mail/invoice-emails.ts), then records
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
  // A paid invoice sent again is its receipt.
  const kind = invoice.status === 'paid' ? 'receipt' : 'send';
  const logo = await emailLogo(deps.logos, invoice);
  for (const contact of contacts) {
    await deps.mailer.send({
      ...invoiceEmail({ kind }, invoice, contact!, deps.publicBaseUrl, logo),
      ...(requestId ? { idempotencyKey: `send-${invoice.id}-${requestId}-${contact!.id}` } : {}),
    });
  }
}
