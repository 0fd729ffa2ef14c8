import type { Actor } from '../auth/actor.js';
import { validationError, type FieldError } from '../errors.js';
import { loadRichText, sanitizeRichText } from '../invoices/rich-text.js';
import type { CompanyStore, ContactStore, DealStore, IdGenerator, LinkedKind, ProductStore } from '../ports.js';
import { priceLines, resolveLineItems } from './line-item-products.js';
import { releaseRecord, type RecordInvoiceDeps } from './record-invoices.js';
import type { RecordHooks } from './record-use-cases.js';
import type { CrmRecord } from './records.js';
import type { Deal, DealInput, Quote, QuoteInput } from './sales-records.js';

/** What deals and quotes read to check their input: the records they name and the product library. */
export type SalesRecordDeps = {
  contacts: ContactStore;
  companies: CompanyStore;
  deals: DealStore;
  products: ProductStore;
  ids: IdGenerator;
};

/** Records named by id must exist in the caller's account; errors name the field (and index). */
export async function checkNamedRecords(
  deps: Pick<SalesRecordDeps, 'contacts' | 'companies' | 'deals'>,
  actor: Actor,
  named: { contacts?: string[]; company?: string | null; deal?: string | null },
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const acc = actor.accountId;
  const [contacts, company, deal] = await Promise.all([
    Promise.all((named.contacts ?? []).map((id) => deps.contacts.get(acc, id))),
    named.company ? deps.companies.get(acc, named.company) : null,
    named.deal ? deps.deals.get(acc, named.deal) : null,
  ]);
  contacts.forEach(
    (c, i) => c || errors.push({ path: `contacts.${i}`, message: `no contact ${named.contacts![i]} in this account` }),
  );
  if (named.company && !company)
    errors.push({ path: 'company', message: `no company ${named.company} in this account` });
  if (named.deal && !deal) errors.push({ path: 'deal', message: `no deal ${named.deal} in this account` });
  return errors;
}

/** Checks what a deal or quote names and prices its lines (products copied as they are now). */
async function prepareSalesRecord(deps: SalesRecordDeps, actor: Actor, input: DealInput & { deal?: string | null }) {
  const errors = await checkNamedRecords(deps, actor, input);
  if (errors.length) throw validationError('The record names records that do not exist', errors);
  if (!input.lineItems) return {};
  return priceLines(await resolveLineItems(deps.products, actor, input.lineItems), deps.ids);
}

/** Deleting a record invoices name: refused while an issued invoice names it, detached from drafts. */
const releasing = <T extends CrmRecord>(deps: RecordInvoiceDeps, kind: LinkedKind) => ({
  beforeRemove: (actor: Actor, record: T) => releaseRecord(deps, actor, kind, record.id),
});

export const dealHooks = (deps: SalesRecordDeps, invoices: RecordInvoiceDeps): RecordHooks<Deal, DealInput> => ({
  prepare: (actor, input) => prepareSalesRecord(deps, actor, input),
  ...releasing<Deal>(invoices, 'deal'),
});

export const quoteHooks = (deps: SalesRecordDeps, invoices: RecordInvoiceDeps): RecordHooks<Quote, QuoteInput> => ({
  prepare: async (actor, input) => {
    const prepared = await prepareSalesRecord(deps, actor, input);
    if (input.comments) await loadRichText();
    return {
      ...prepared,
      // Same rich-text rules as an invoice's comments, since they are copied onto one.
      ...(input.comments !== undefined
        ? { comments: input.comments === null ? null : sanitizeRichText(input.comments) || null }
        : {}),
    };
  },
  ...releasing<Quote>(invoices, 'quote'),
});

/** Contacts and companies: no derived fields, but invoices name them. */
export const linkedRecordHooks = <T extends CrmRecord>(
  invoices: RecordInvoiceDeps,
  kind: 'contact' | 'company',
): RecordHooks<T, object> => releasing<T>(invoices, kind);
