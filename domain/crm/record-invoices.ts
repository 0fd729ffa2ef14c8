import type { Actor } from '../auth/actor.js';
import { byUser } from '../audit/history.js';
import { toInstant } from '../dates/calendar.js';
import { conflict, notFound } from '../errors.js';
import type { Invoice } from '../invoices/invoice.js';
import { mutate } from '../optimistic.js';
import type { Clock, InvoiceLink, InvoiceLinkIndex, InvoiceStore, LinkedKind, Page } from '../ports.js';

export type RecordInvoiceDeps = { invoices: InvoiceStore; links: InvoiceLinkIndex; clock: Clock };

/**
 * A record's invoices, newest first: one page of the record's link entries, then those invoices
 * by key. Reads per page are the page size twice over, however many invoices the account has.
 * The caller has already found the record in the actor's account (a 404 otherwise).
 */
export async function listRecordInvoices(
  deps: RecordInvoiceDeps,
  actor: Actor,
  kind: LinkedKind,
  recordId: string,
  limit: number,
  cursor: string | null,
): Promise<Page<Invoice>> {
  const page = await deps.links.list(actor.accountId, kind, recordId, limit, cursor);
  const invoices = await Promise.all(page.items.map((l) => deps.invoices.get(actor.accountId, l.invoiceId)));
  // Links are written with their invoice, so a miss is an invoice deleted between the two reads.
  return { items: invoices.filter((i): i is Invoice => i !== null), next: page.next };
}

/** Every link of a record, page by page (a record delete must see all of them). */
async function allLinks(
  deps: RecordInvoiceDeps,
  actor: Actor,
  kind: LinkedKind,
  recordId: string,
): Promise<InvoiceLink[]> {
  const out: InvoiceLink[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<InvoiceLink> = await deps.links.list(actor.accountId, kind, recordId, 100, cursor);
    out.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return out;
}

/** The invoice without the record: what detaching it from a draft leaves. */
function without(invoice: Invoice, kind: LinkedKind, recordId: string): Partial<Invoice> {
  switch (kind) {
    case 'contact':
      return { contacts: invoice.contacts.filter((c) => c !== recordId), ...withoutLabelsOf(invoice, recordId) };
    case 'company':
      return invoice.company === recordId ? { company: null, ...withoutLabelsOf(invoice, recordId) } : {};
    case 'deal':
      return { deals: invoice.deals.filter((d) => d !== recordId) };
    case 'quote':
      return { quotes: invoice.quotes.filter((q) => q !== recordId) };
    case 'recurringInvoice':
      return {}; // never released: a schedule is ended, not deleted, and its invoices keep naming it
    case 'associationLabel':
      return {}; // a label in use is never deleted (409)
  }
}

/** The association labels without those of one associated record. */
export function withoutLabelsOf(invoice: Invoice, recordId: string): Partial<Invoice> {
  if (!invoice.associationLabels?.[recordId]) return {};
  const { [recordId]: _gone, ...rest } = invoice.associationLabels;
  return { associationLabels: rest };
}

const names = (invoice: Invoice, kind: LinkedKind, recordId: string) =>
  kind === 'contact'
    ? invoice.contacts.includes(recordId)
    : kind === 'company'
      ? invoice.company === recordId
      : kind === 'deal'
        ? invoice.deals.includes(recordId)
        : kind === 'quote'
          ? invoice.quotes.includes(recordId)
          : invoice.recurringInvoiceId === recordId;

/**
 * Makes a record deletable. A finalized invoice (open, paid or voided) is an issued document that
 * must stay complete, so a record one of them names cannot go: 409, listing them. Drafts simply
 * lose the association. A draft finalized while this runs is caught when it is detached (its
 * status is re-read under the version check), so that too ends in a 409.
 */
export async function releaseRecord(
  deps: RecordInvoiceDeps,
  actor: Actor,
  kind: LinkedKind,
  recordId: string,
): Promise<void> {
  const links = await allLinks(deps, actor, kind, recordId);
  const issued = links.filter((l) => l.issued);
  if (issued.length) {
    const ids = issued.map((l) => l.invoiceId);
    throw conflict(
      `The ${kind} ${recordId} is named by ${ids.length} finalized invoice${ids.length === 1 ? '' : 's'} (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}); an issued invoice keeps its records`,
      { invoices: ids.slice(0, 100) },
    );
  }
  for (const link of links) {
    await mutate(
      async () => {
        const invoice = await deps.invoices.get(actor.accountId, link.invoiceId);
        if (!invoice) throw notFound('Invoice', link.invoiceId);
        return invoice;
      },
      undefined,
      async (current) => {
        if (!names(current, kind, recordId)) return;
        if (current.status !== 'draft')
          throw conflict(`The ${kind} ${recordId} is named by invoice ${current.id}, which is ${current.status}`, {
            invoices: [current.id],
          });
        const now = toInstant(deps.clock.now());
        await deps.invoices.replace(
          current,
          { ...current, ...without(current, kind, recordId), version: current.version + 1, updatedAt: now },
          // The record's deletion detached it: the entry says which record went.
          byUser(actor, 'dissociated', now, { kind, recordId, reason: 'recordDeleted' }),
        );
      },
    ).catch((e: unknown) => {
      // Deleted meanwhile: nothing left to detach.
      if (e instanceof Error && (e as { code?: string }).code === 'not_found') return;
      throw e;
    });
  }
}
