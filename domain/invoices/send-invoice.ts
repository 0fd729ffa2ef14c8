import type { Actor } from '../auth/actor.js';
import { byUser } from '../audit/history.js';
import { fieldError } from '../errors.js';
import { mutate } from '../optimistic.js';
import { toInstant } from '../dates/calendar.js';
import type { Mailer } from '../ports.js';
import { invoiceEmail } from '../mail/invoice-emails.js';
import type { Invoice } from './invoice.js';
import { loadInvoice, type InvoiceDeps } from './invoice-use-cases.js';
import { assertAllowed } from './status-machine.js';

export type SendDeps = InvoiceDeps & { mailer: Mailer; publicBaseUrl: string };

/**
 * Emails each associated contact that has an address a link to the invoice (in the invoice's
 * language and locale: domain/mail/invoice-emails.ts), then records
 * `sentAt` (its stream record publishes `invoice.sent`). Open and paid invoices can be sent (a
 * paid one as a receipt); a draft has nothing to send yet and a voided one nothing to ask for.
 */
export async function sendInvoice(deps: SendDeps, actor: Actor, id: string, ifMatch?: number): Promise<Invoice> {
  return mutate(
    () => loadInvoice(deps, actor, id),
    ifMatch,
    async (current) => {
      assertAllowed('send', current.status);
      const contacts = (await Promise.all(current.contacts.map((c) => deps.contacts.get(actor.accountId, c)))).filter(
        (c) => c?.email,
      );
      if (contacts.length === 0) throw fieldError('contacts', 'no contact of this invoice has an email address');
      for (const contact of contacts) {
        // A paid invoice sent again is its receipt.
        const kind = current.status === 'paid' ? 'receipt' : 'send';
        await deps.mailer.send(invoiceEmail({ kind }, current, contact!, deps.publicBaseUrl));
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
