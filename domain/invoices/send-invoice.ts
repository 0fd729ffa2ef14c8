import type { Actor } from '../auth/actor.js';
import { byUser } from '../audit/history.js';
import { fieldError } from '../errors.js';
import { mutate } from '../optimistic.js';
import { toInstant } from '../dates/calendar.js';
import type { Mailer } from '../ports.js';
import { invoiceUrl, type Invoice } from './invoice.js';
import { loadInvoice, type InvoiceDeps } from './invoice-use-cases.js';
import { assertAllowed } from './status-machine.js';

export type SendDeps = InvoiceDeps & { mailer: Mailer; publicBaseUrl: string };

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

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
  const subject = `Invoice ${invoice.number}`;
  for (const contact of contacts) {
    const name = [contact!.firstName, contact!.lastName].filter(Boolean).join(' ') || contact!.email!;
    await deps.mailer.send({
      to: contact!.email!,
      subject,
      text: `Hello ${name},\n\nYour invoice ${invoice.number} is ready: ${url}\n`,
      html: `<p>Hello ${escapeHtml(name)},</p><p>Your invoice ${escapeHtml(invoice.number ?? '')} is ready: <a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>`,
      ...(requestId ? { idempotencyKey: `send-${invoice.id}-${requestId}-${contact!.id}` } : {}),
    });
  }
}
