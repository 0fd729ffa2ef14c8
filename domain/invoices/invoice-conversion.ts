import type { Actor } from '../auth/actor.js';
import { byUser } from '../audit/history.js';
import { asLineInputs, resolveLineItems } from '../crm/line-item-products.js';
import { checkNamedRecords } from '../crm/sales-record-rules.js';
import { toInstant } from '../dates/calendar.js';
import { DomainError, fieldError, notFound, validationError, type FieldError } from '../errors.js';
import { mutate } from '../optimistic.js';
import type { DealStore, ProductStore, QuoteStore } from '../ports.js';
import type { Invoice } from './invoice.js';
import {
  MAX_LINKED_SALES_RECORDS,
  type InvoiceCreateRequest,
  type InvoiceEditInput,
  type InvoiceEditRequest,
  type InvoiceSource,
} from './invoice-input.js';
import {
  ASSOCIATION_TYPES,
  associate,
  createInvoice,
  dissociate,
  getInvoice,
  updateInvoice,
  type InvoiceDeps,
} from './invoice-use-cases.js';

/** The invoice use cases plus the CRM records invoices are made from. */
export type ConversionDeps = InvoiceDeps & { deals: DealStore; quotes: QuoteStore; products: ProductStore };

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * A create or PATCH body as the invoice use cases take it: product lines completed from the
 * product library, and the deals and quotes it names checked against the account.
 */
export async function resolveInvoiceRequest(
  deps: ConversionDeps,
  actor: Actor,
  req: InvoiceEditRequest,
): Promise<InvoiceEditInput> {
  const { lineItems, ...rest } = req;
  const errors: FieldError[] = [];
  const [deals, quotes] = await Promise.all([
    Promise.all((req.deals ?? []).map((id) => deps.deals.get(actor.accountId, id))),
    Promise.all((req.quotes ?? []).map((id) => deps.quotes.get(actor.accountId, id))),
  ]);
  deals.forEach(
    (d, i) => d || errors.push({ path: `deals.${i}`, message: `no deal ${req.deals![i]} in this account` }),
  );
  quotes.forEach(
    (q, i) => q || errors.push({ path: `quotes.${i}`, message: `no quote ${req.quotes![i]} in this account` }),
  );
  if (errors.length) throw validationError('The invoice refers to records that do not exist', errors);
  return lineItems ? { ...rest, lineItems: await resolveLineItems(deps.products, actor, lineItems) } : rest;
}

/** Records deleted since a deal or quote named them are left out rather than failing the conversion. */
async function existing(
  deps: ConversionDeps,
  actor: Actor,
  named: { contacts: string[]; company: string | null; deal?: string | null },
) {
  const errors = await checkNamedRecords(deps, actor, named);
  const gone = new Set(errors.map((e) => e.path));
  return {
    contacts: named.contacts.filter((_, i) => !gone.has(`contacts.${i}`)),
    company: gone.has('company') ? null : named.company,
    deal: gone.has('deal') ? null : (named.deal ?? null),
  };
}

/** What `from` puts into a new draft, before the body's own fields override it. */
export async function copiedFrom(deps: ConversionDeps, actor: Actor, from: InvoiceSource): Promise<InvoiceEditRequest> {
  const missing = (what: string) =>
    validationError(`No ${what} ${from.id} in this account`, [
      { path: 'from.id', message: `no ${what} ${from.id} in this account` },
    ]);
  switch (from.type) {
    case 'contact':
      if (!(await deps.contacts.get(actor.accountId, from.id))) throw missing('contact');
      return { contacts: [from.id] };
    case 'company':
      if (!(await deps.companies.get(actor.accountId, from.id))) throw missing('company');
      return { company: from.id };
    case 'deal': {
      const deal = await deps.deals.get(actor.accountId, from.id);
      if (!deal) throw missing('deal');
      const named = await existing(deps, actor, deal);
      return {
        lineItems: asLineInputs(deal.lineItems),
        contacts: named.contacts,
        company: named.company,
        deals: [deal.id],
      };
    }
    case 'quote': {
      const quote = await deps.quotes.get(actor.accountId, from.id);
      if (!quote) throw missing('quote');
      if (quote.status !== 'published') {
        throw validationError(`Quote ${quote.id} is ${quote.status}; only a published quote can become an invoice`, [
          { path: 'from.id', message: `quote ${quote.id} is ${quote.status}, not published` },
        ]);
      }
      const named = await existing(deps, actor, quote);
      return {
        lineItems: asLineInputs(quote.lineItems),
        contacts: named.contacts,
        company: named.company,
        comments: quote.comments,
        billingAddress: quote.billingAddress,
        deals: named.deal ? [named.deal] : [],
        quotes: [quote.id],
      };
    }
  }
}

/**
 * POST /invoices. With `from`, the draft starts from that record (a deal's lines, contacts and
 * company; a published quote's lines, contacts, company, comments and billing address; or just the
 * contact or company associated), and whatever the body sets beside `from` wins. A quote then
 * records the invoice among those made from it.
 */
export async function createInvoiceFromRequest(
  deps: ConversionDeps,
  actor: Actor,
  req: InvoiceCreateRequest,
): Promise<Invoice> {
  const { from, ...fields } = req;
  const base = from ? await copiedFrom(deps, actor, from) : {};
  const input = await resolveInvoiceRequest(deps, actor, { ...base, ...defined(fields) });
  const invoice = await createInvoice(deps, actor, input, from && { type: from.type, id: from.id });
  if (from?.type === 'quote') await recordConversion(deps, actor, from.id, invoice.id);
  return invoice;
}

/**
 * Appends the invoice to the quote's `invoices`. A second write, after the invoice's: should it
 * fail, the invoice still exists and still names the quote (its link lists it under the quote).
 */
async function recordConversion(deps: ConversionDeps, actor: Actor, quoteId: string, invoiceId: string): Promise<void> {
  await mutate(
    async () => {
      const quote = await deps.quotes.get(actor.accountId, quoteId);
      if (!quote) throw notFound('Quote', quoteId);
      return quote;
    },
    undefined,
    (quote) =>
      deps.quotes.replace(quote, {
        ...quote,
        invoices: [...quote.invoices, invoiceId],
        version: quote.version + 1,
        updatedAt: toInstant(deps.clock.now()),
      }),
  ).catch((e: unknown) => {
    // Deleted meanwhile: there is no quote left to record it on.
    if (e instanceof DomainError && e.code === 'not_found') return;
    throw e;
  });
}

/** PATCH /invoices/{id}, with product lines completed first. */
export async function updateInvoiceFromRequest(
  deps: ConversionDeps,
  actor: Actor,
  id: string,
  req: InvoiceEditRequest,
  ifMatch?: number,
): Promise<Invoice> {
  return updateInvoice(deps, actor, id, await resolveInvoiceRequest(deps, actor, req), ifMatch);
}

export const INVOICE_ASSOCIATION_TYPES = [...ASSOCIATION_TYPES, 'deals', 'quotes'] as const;
export type InvoiceAssociationType = (typeof INVOICE_ASSOCIATION_TYPES)[number];

const SALES_LABEL = { deals: 'Deal', quotes: 'Quote' } as const;

/**
 * Associates a record with an invoice. Contacts and the company are billing details, fixed once
 * the invoice is issued (draft only); deals and quotes are context, so they may be attached to or
 * detached from an invoice in any status.
 */
export async function associateRecord(
  deps: ConversionDeps,
  actor: Actor,
  id: string,
  type: InvoiceAssociationType,
  targetId: string,
  ifMatch?: number,
): Promise<Invoice> {
  if (type === 'contacts' || type === 'companies') return associate(deps, actor, id, type, targetId, ifMatch);
  const target =
    type === 'deals'
      ? await deps.deals.get(actor.accountId, targetId)
      : await deps.quotes.get(actor.accountId, targetId);
  if (!target) throw notFound(SALES_LABEL[type], targetId);
  return mutate(
    () => getInvoice(deps, actor, id),
    ifMatch,
    async (current) => {
      if (current[type].includes(targetId)) return current;
      if (current[type].length >= MAX_LINKED_SALES_RECORDS)
        throw fieldError(type, `an invoice names at most ${MAX_LINKED_SALES_RECORDS} ${type}`);
      const now = toInstant(deps.clock.now());
      return deps.invoices.replace(
        current,
        { ...current, [type]: [...current[type], targetId], version: current.version + 1, updatedAt: now },
        byUser(actor, 'associated', now, { type, targetId }),
      );
    },
  );
}

export async function dissociateRecord(
  deps: ConversionDeps,
  actor: Actor,
  id: string,
  type: InvoiceAssociationType,
  targetId: string,
  ifMatch?: number,
): Promise<Invoice> {
  if (type === 'contacts' || type === 'companies') return dissociate(deps, actor, id, type, targetId, ifMatch);
  return mutate(
    () => getInvoice(deps, actor, id),
    ifMatch,
    async (current) => {
      if (!current[type].includes(targetId))
        throw notFound(`Association with ${SALES_LABEL[type].toLowerCase()}`, targetId);
      const now = toInstant(deps.clock.now());
      return deps.invoices.replace(
        current,
        {
          ...current,
          [type]: current[type].filter((x) => x !== targetId),
          version: current.version + 1,
          updatedAt: now,
        },
        byUser(actor, 'dissociated', now, { type, targetId }),
      );
    },
  );
}
