import type { Actor } from '../auth/actor.js';
import { DomainError, conflict, fieldError, notFound, validationError, type FieldError } from '../errors.js';
import { mutate } from '../optimistic.js';
import { toInstant, todayIn } from '../dates/calendar.js';
import type { AssociationLabelStore, LedgerStore } from '../ports.js';
import type { AppliedLabel } from '../labels/association-label.js';
import type {
  Clock,
  CompanyStore,
  ContactStore,
  IdGenerator,
  InvoiceStore,
  NumberRequest,
  Page,
  SettingsStore,
} from '../ports.js';
import { StaleSettings } from '../ports.js';
import { getSettings, recentSettings } from '../settings/settings-use-cases.js';
import type { StoredSettings } from '../settings/settings.js';
import { applyEdit, blankDraft, cloneContent, type BuyerParty, type Invoice } from './invoice.js';
import { MAX_CONTACTS, type InvoiceEditInput, type MarkPaidInput } from './invoice-input.js';
import { assertAllowed } from './status-machine.js';
import { payInFull } from '../payments/payment-use-cases.js';
import { byUser } from '../audit/history.js';
import { mergeMetadata } from '../shared/metadata.js';
import { withoutLabelsOf } from '../crm/record-invoices.js';
import { reminderPlan } from '../reminders/reminder-schedule.js';

export type InvoiceDeps = {
  invoices: InvoiceStore;
  settings: SettingsStore;
  contacts: ContactStore;
  companies: CompanyStore;
  clock: Clock;
  ids: IdGenerator;
  /** Payments and credit notes (domain/payments, domain/credit-notes). */
  ledger: LedgerStore;
  /** The account's association labels (domain/labels), where associations may carry them. */
  labels?: AssociationLabelStore;
};

/** `onCreate` numbering takes an atomic increment checked against the settings it was decided on. */
const numberingOnCreate = (s: StoredSettings, cached: boolean): NumberRequest | undefined =>
  s.numbering === 'onCreate'
    ? { prefix: s.prefix, startNumber: s.startNumber, increment: { settingsVersion: s.version, cached } }
    : undefined;

/** Settings changed between the read and the write more often than this: give up (a 503 says retry). */
const MAX_SETTINGS_ROUNDS = 4;

/** The caller's invoice, or 404: another account's id finds nothing. */
export async function loadInvoice(deps: Pick<InvoiceDeps, 'invoices'>, actor: Actor, id: string): Promise<Invoice> {
  const invoice = await deps.invoices.get(actor.accountId, id);
  if (!invoice) throw notFound('Invoice', id);
  return invoice;
}

/** Bill-to records and the domain must exist in the caller's account. */
async function checkReferences(deps: InvoiceDeps, actor: Actor, input: InvoiceEditInput, settings: StoredSettings) {
  const errors: FieldError[] = [];
  if (input.contacts) {
    const found = await Promise.all(input.contacts.map((id) => deps.contacts.get(actor.accountId, id)));
    found.forEach((c, i) => {
      if (!c) errors.push({ path: `contacts.${i}`, message: `no contact ${input.contacts![i]} in this account` });
    });
  }
  if (input.company && !(await deps.companies.get(actor.accountId, input.company))) {
    errors.push({ path: 'company', message: `no company ${input.company} in this account` });
  }
  if (input.domain && !settings.domains.includes(input.domain)) {
    errors.push({ path: 'domain', message: `${input.domain} is not one of the account's connected domains` });
  }
  if (errors.length) throw validationError('The invoice refers to records that do not exist', errors);
}

/** `source`, for the history: what the draft was made from (a cloned invoice, a deal, a quote, a record). */
export async function createInvoice(
  deps: InvoiceDeps,
  actor: Actor,
  input: InvoiceEditInput,
  source?: { type: string; id: string },
): Promise<Invoice> {
  // Settings this process has seen save the read on most creates. Only the onCreate increment
  // verifies them (against the version every save stamps on the counter); a draft in onFinalize
  // mode takes no number, so its settings are read afresh.
  let { settings, cached } = await recentSettings(deps, actor.accountId);
  if (cached && settings.numbering !== 'onCreate') ({ settings, cached } = await freshSettings(deps, actor.accountId));
  for (let round = 1; ; round++) {
    const now = deps.clock.now();
    const draft = blankDraft({
      id: deps.ids.id('inv'),
      accountId: actor.accountId,
      owner: actor.userId,
      slug: deps.ids.slug(),
      settings,
      today: todayIn(settings.timeZone, now),
      now: toInstant(now),
    });
    await checkReferences(deps, actor, input, settings);
    try {
      return await deps.invoices.create(
        applyEdit(draft, input, deps.ids),
        byUser(actor, 'created', draft.createdAt, source && { source }),
        numberingOnCreate(settings, cached),
      );
    } catch (e) {
      // The settings changed since they were read: the whole draft is decided again on the new ones.
      if (!(e instanceof StaleSettings)) throw e;
      if (round >= MAX_SETTINGS_ROUNDS)
        throw new DomainError('unavailable', 'The settings are changing; retry shortly');
      ({ settings, cached } = await freshSettings(deps, actor.accountId));
    }
  }
}

const freshSettings = async (deps: Pick<InvoiceDeps, 'settings'>, accountId: string) => ({
  settings: await getSettings(deps, accountId),
  cached: false,
});

export async function getInvoice(deps: InvoiceDeps, actor: Actor, id: string): Promise<Invoice> {
  return loadInvoice(deps, actor, id);
}

export async function listInvoices(
  deps: InvoiceDeps,
  actor: Actor,
  limit: number,
  cursor: string | null,
): Promise<Page<Invoice>> {
  return deps.invoices.list(actor.accountId, limit, cursor);
}

/** A status change means a new PDF (with its PAID or VOID mark); the stream renders it. */
const PDF_PENDING: Invoice['pdf'] = { status: 'pending', sha256: null };

/** Moves a read invoice to its next state, with version and timestamp bumped, behind a conditional write. */
function successor(deps: InvoiceDeps, current: Invoice, changes: Partial<Invoice>): Invoice {
  return { ...current, ...changes, version: current.version + 1, updatedAt: toInstant(deps.clock.now()) };
}

/** An edit of metadata and/or the reminders pause, and nothing else. */
const OUTSIDE_THE_DOCUMENT = new Set(['metadata', 'remindersPaused']);
const outsideTheDocument = (input: InvoiceEditInput) =>
  Object.entries(input).some(([, v]) => v !== undefined) &&
  Object.entries(input).every(([k, v]) => OUTSIDE_THE_DOCUMENT.has(k) || v === undefined);

export async function updateInvoice(
  deps: InvoiceDeps,
  actor: Actor,
  id: string,
  input: InvoiceEditInput,
  ifMatch?: number,
): Promise<Invoice> {
  const settings = await getSettings(deps, actor.accountId);
  return mutate(
    () => loadInvoice(deps, actor, id),
    ifMatch,
    async (current) => {
      // Metadata and the reminders pause are not part of the document: an issued invoice takes an
      // edit of them alone, and such an edit touches nothing else (no totals or dates recomputed).
      if (outsideTheDocument(input)) {
        if (input.remindersPaused !== undefined) assertAllowed('pauseReminders', current.status);
        const next = successor(deps, current, {
          ...(input.metadata !== undefined ? { metadata: mergeMetadata(current.metadata, input.metadata) } : {}),
          ...(input.remindersPaused !== undefined ? { remindersPaused: input.remindersPaused } : {}),
        });
        return deps.invoices.replace(current, next, byUser(actor, 'edited', next.updatedAt));
      }
      assertAllowed('edit', current.status);
      await checkReferences(deps, actor, input, settings);
      const next = successor(deps, applyEdit(current, input, deps.ids), {});
      return deps.invoices.replace(current, next, byUser(actor, 'edited', next.updatedAt));
    },
  );
}

export async function deleteInvoice(deps: InvoiceDeps, actor: Actor, id: string, ifMatch?: number): Promise<void> {
  await mutate(
    () => loadInvoice(deps, actor, id),
    ifMatch,
    async (current) => {
      assertAllowed('delete', current.status);
      await deps.invoices.remove(current, byUser(actor, 'deleted', toInstant(deps.clock.now())));
    },
  );
}

/** The invoice's company as the e-invoice's buyer, fixed at finalization; null without a company. */
export async function buyerParty(deps: Pick<InvoiceDeps, 'companies'>, invoice: Invoice): Promise<BuyerParty | null> {
  if (!invoice.company) return null;
  const company = await deps.companies.get(invoice.accountId, invoice.company);
  if (!company) return null;
  return {
    name: company.name,
    vatId: company.vatId ?? null,
    legalRegistrationId: company.legalRegistrationId ?? null,
    electronicAddress: company.electronicAddress ?? null,
    address: company.address ?? null,
  };
}

/**
 * draft → open. The invoice needs a contact to bill and something to bill for. In `onFinalize`
 * numbering (or for a draft that has no number) the number is handed out in the same write.
 */
export async function finalizeInvoice(deps: InvoiceDeps, actor: Actor, id: string, ifMatch?: number): Promise<Invoice> {
  const settings = await getSettings(deps, actor.accountId);
  return mutate(
    () => loadInvoice(deps, actor, id),
    ifMatch,
    async (current) => {
      assertAllowed('finalize', current.status);
      const errors: FieldError[] = [];
      if (current.contacts.length === 0)
        errors.push({ path: 'contacts', message: 'at least one contact is required to finalize' });
      if (current.lineItems.length === 0)
        errors.push({ path: 'lineItems', message: 'at least one line item is required to finalize' });
      const buyer = await buyerParty(deps, current);
      // Reverse charge and intra-community supply shift the VAT to the buyer, who must be named by
      // VAT id (BR-AE-02, BR-IC-02).
      const shifted = current.lineItems.find((l) => l.taxCategory === 'AE' || l.taxCategory === 'K');
      if (shifted && !buyer?.vatId)
        errors.push({
          path: 'company.vatId',
          message: `line ${shifted.id} is ${shifted.taxCategory === 'AE' ? 'reverse charge' : 'an intra-community supply'}: the invoice's company needs a VAT id (BR-${shifted.taxCategory === 'AE' ? 'AE' : 'IC'}-02)`,
        });
      if (errors.length) throw validationError('The invoice is not complete enough to finalize', errors);
      const next = successor(deps, current, {
        status: 'open',
        finalizedAt: toInstant(deps.clock.now()),
        pdf: PDF_PENDING,
        // The account's reminder steps as of now: the invoice store indexes the next one (keys.ts).
        reminderPlan: reminderPlan(settings),
        seller: settings.seller ?? null,
        buyer,
      });
      const numbering =
        current.number === null ? { prefix: settings.prefix, startNumber: settings.startNumber } : undefined;
      return deps.invoices.replace(current, next, byUser(actor, 'finalized', next.updatedAt), numbering);
    },
  );
}

/**
 * open → paid, with the payment date (an instant, or a date taken as the start of that day in the
 * account's zone): records one payment of the remaining balance (domain/payments holds the rules).
 */
export async function markInvoicePaid(
  deps: InvoiceDeps,
  actor: Actor,
  id: string,
  input: MarkPaidInput,
  ifMatch?: number,
): Promise<Invoice> {
  return payInFull(deps, actor, id, input, ifMatch);
}

/** open → voided: nothing is owed any more. */
export async function voidInvoice(deps: InvoiceDeps, actor: Actor, id: string, ifMatch?: number): Promise<Invoice> {
  return mutate(
    () => loadInvoice(deps, actor, id),
    ifMatch,
    async (current) => {
      assertAllowed('void', current.status);
      const totals = { ...current.totals, balanceDue: 0 };
      const next = successor(deps, current, {
        status: 'voided',
        voidedAt: toInstant(deps.clock.now()),
        totals,
        pastDue: false,
        pdf: PDF_PENDING,
      });
      return deps.invoices.replace(current, next, byUser(actor, 'voided', next.updatedAt));
    },
  );
}

/** A new draft with the same content, dated today, with a new number (or none until finalized) and a new slug. */
export async function cloneInvoice(deps: InvoiceDeps, actor: Actor, id: string): Promise<Invoice> {
  const source = await loadInvoice(deps, actor, id);
  const settings = await getSettings(deps, actor.accountId);
  const content = cloneContent(source, deps.ids, todayIn(settings.timeZone, deps.clock.now()));
  // Records deleted since the source was made would fail the reference check; the clone drops them.
  const contacts = (await Promise.all(source.contacts.map((c) => deps.contacts.get(actor.accountId, c))))
    .filter((c) => c !== null)
    .map((c) => c.id);
  const company = source.company && (await deps.companies.get(actor.accountId, source.company)) ? source.company : null;
  const domain = source.domain && settings.domains.includes(source.domain) ? source.domain : null;
  return createInvoice(deps, actor, { ...content, contacts, company, domain }, { type: 'invoice', id: source.id });
}

export const ASSOCIATION_TYPES = ['contacts', 'companies'] as const;
export type AssociationType = (typeof ASSOCIATION_TYPES)[number];

/**
 * Associates a bill-to record with a draft, with the account's association labels given (none: no
 * labels); associating a record again changes only its labels. An invoice bills at most one company.
 */
export async function associate(
  deps: InvoiceDeps,
  actor: Actor,
  id: string,
  type: AssociationType,
  targetId: string,
  ifMatch?: number,
  labelIds?: string[],
): Promise<Invoice> {
  const target =
    type === 'contacts'
      ? await deps.contacts.get(actor.accountId, targetId)
      : await deps.companies.get(actor.accountId, targetId);
  if (!target) throw notFound(type === 'contacts' ? 'Contact' : 'Company', targetId);
  const applied = labelIds === undefined ? undefined : await resolveLabels(deps, actor, type, labelIds);
  return mutate(
    () => loadInvoice(deps, actor, id),
    ifMatch,
    async (current) => {
      assertAllowed('edit', current.status);
      const withLabels = (inv: Partial<Invoice>): Partial<Invoice> => {
        if (applied === undefined) return inv;
        const { [targetId]: _old, ...others } = current.associationLabels ?? {};
        return { ...inv, associationLabels: applied.length ? { ...others, [targetId]: applied } : others };
      };
      const sameLabels =
        applied === undefined ||
        JSON.stringify(applied) === JSON.stringify(current.associationLabels?.[targetId] ?? []);
      if (type === 'contacts') {
        if (current.contacts.includes(targetId)) {
          if (sameLabels) return current;
          const next = successor(deps, current, withLabels({}));
          return deps.invoices.replace(current, next, byUser(actor, 'associated', next.updatedAt, { type, targetId }));
        }
        if (current.contacts.length >= MAX_CONTACTS)
          throw fieldError('contacts', `an invoice has at most ${MAX_CONTACTS} contacts`);
        const next = successor(deps, current, withLabels({ contacts: [...current.contacts, targetId] }));
        return deps.invoices.replace(current, next, byUser(actor, 'associated', next.updatedAt, { type, targetId }));
      }
      if (current.company === targetId) {
        if (sameLabels) return current;
        const next = successor(deps, current, withLabels({}));
        return deps.invoices.replace(current, next, byUser(actor, 'associated', next.updatedAt, { type, targetId }));
      }
      if (current.company) {
        throw conflict(
          `The invoice already bills company ${current.company}; an invoice bills at most one company. Remove it first.`,
        );
      }
      const next = successor(deps, current, withLabels({ company: targetId }));
      return deps.invoices.replace(current, next, byUser(actor, 'associated', next.updatedAt, { type, targetId }));
    },
  );
}

/** The labels named, each the account's and for this kind of record (422 naming the one that is not). */
async function resolveLabels(
  deps: InvoiceDeps,
  actor: Actor,
  type: AssociationType,
  ids: string[],
): Promise<AppliedLabel[]> {
  if (ids.length && !deps.labels) throw fieldError('labels', 'association labels are not available here');
  const objectType = type === 'contacts' ? 'contact' : 'company';
  const found = await Promise.all(ids.map((l) => deps.labels!.get(actor.accountId, l)));
  const errors: FieldError[] = [];
  found.forEach((l, i) => {
    if (!l) errors.push({ path: `labels.${i}`, message: `no association label ${ids[i]} in this account` });
    else if (l.objectType !== objectType)
      errors.push({ path: `labels.${i}`, message: `label ${l.id} is for ${l.objectType} associations` });
  });
  if (errors.length) throw validationError('The association names labels it cannot have', errors);
  return found.map((l) => ({ id: l!.id, label: l!.label }));
}

export async function dissociate(
  deps: InvoiceDeps,
  actor: Actor,
  id: string,
  type: AssociationType,
  targetId: string,
  ifMatch?: number,
): Promise<Invoice> {
  return mutate(
    () => loadInvoice(deps, actor, id),
    ifMatch,
    async (current) => {
      const present = type === 'contacts' ? current.contacts.includes(targetId) : current.company === targetId;
      if (!present)
        throw notFound(type === 'contacts' ? 'Association with contact' : 'Association with company', targetId);
      assertAllowed('edit', current.status);
      const changes =
        type === 'contacts' ? { contacts: current.contacts.filter((c) => c !== targetId) } : { company: null };
      const next = successor(deps, current, { ...changes, ...withoutLabelsOf(current, targetId) });
      return deps.invoices.replace(current, next, byUser(actor, 'dissociated', next.updatedAt, { type, targetId }));
    },
  );
}
