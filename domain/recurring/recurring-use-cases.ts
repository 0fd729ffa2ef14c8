import type { Actor } from '../auth/actor.js';
import { resolveLineItems } from '../crm/line-item-products.js';
import { listRecordInvoices } from '../crm/record-invoices.js';
import { toInstant, todayIn } from '../dates/calendar.js';
import { conflict, DomainError, notFound, validationError, type FieldError } from '../errors.js';
import { applyEdit, blankDraft, type Invoice } from '../invoices/invoice.js';
import type { InvoiceEditInput } from '../invoices/invoice-input.js';
import { mutate } from '../optimistic.js';
import type {
  Clock,
  CompanyStore,
  ContactStore,
  IdGenerator,
  InvoiceLinkIndex,
  InvoiceStore,
  Page,
  ProductStore,
  RecurringStore,
  SettingsStore,
} from '../ports.js';
import { getSettings } from '../settings/settings-use-cases.js';
import type { StoredSettings } from '../settings/settings.js';
import { firstRunFrom, planRun, upcomingRuns, withinEnd, runDate, type Recurrence } from './recurrence.js';
import {
  RECURRING_ID_PREFIX,
  type RecurringCreateRequest,
  type RecurringInvoice,
  type RecurringPatchRequest,
  type TemplateRequest,
} from './recurring-invoice.js';
import { loadRichText } from '../invoices/rich-text.js';

export type RecurringDeps = {
  recurring: RecurringStore;
  invoices: InvoiceStore;
  settings: SettingsStore;
  contacts: ContactStore;
  companies: CompanyStore;
  products: ProductStore;
  links: InvoiceLinkIndex;
  clock: Clock;
  ids: IdGenerator;
};

type ReferenceDeps = Pick<RecurringDeps, 'contacts' | 'companies' | 'products'>;

/**
 * The records a template names that are not (or no longer) in the account: its contacts, its
 * company and the products its lines were copied from. Checked when the template is written and
 * again before every run, so a run never issues an invoice to a record deleted since.
 */
export async function missingReferences(
  deps: ReferenceDeps,
  accountId: string,
  template: Pick<InvoiceEditInput, 'contacts' | 'company' | 'lineItems'>,
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const lines = template.lineItems ?? [];
  const [contacts, company, products] = await Promise.all([
    Promise.all((template.contacts ?? []).map((id) => deps.contacts.get(accountId, id))),
    template.company ? deps.companies.get(accountId, template.company) : Promise.resolve(null),
    Promise.all(lines.map((l) => (l.productId ? deps.products.get(accountId, l.productId) : Promise.resolve(null)))),
  ]);
  contacts.forEach(
    (c, i) =>
      c ||
      errors.push({ path: `invoice.contacts.${i}`, message: `no contact ${template.contacts![i]} in this account` }),
  );
  if (template.company && !company)
    errors.push({ path: 'invoice.company', message: `no company ${template.company} in this account` });
  products.forEach((p, i) => {
    const id = lines[i]!.productId;
    if (id && !p)
      errors.push({ path: `invoice.lineItems.${i}.productId`, message: `no product ${id} in this account` });
  });
  return errors;
}

/** Field errors of the invoice rules, renamed to where they sit in a schedule's body. */
function underInvoice(e: unknown): never {
  if (e instanceof DomainError && e.code === 'validation')
    throw new DomainError(
      'validation',
      e.message,
      e.errors.map((f) => ({ ...f, path: f.path.startsWith('invoice.') ? f.path : `invoice.${f.path}` })),
    );
  throw e;
}

/**
 * The draft a run of the template makes on `runOn`: the account's defaults, then the template,
 * by the invoice's own edit rules (due date from the terms, money, sanitized comments).
 */
export function draftFromTemplate(
  p: { schedule: RecurringInvoice; settings: StoredSettings; ids: IdGenerator; runOn: string; now: string },
  template: InvoiceEditInput = p.schedule.invoice,
): Invoice {
  const draft = blankDraft({
    id: p.ids.id('inv'),
    accountId: p.schedule.accountId,
    owner: p.schedule.owner,
    slug: p.ids.slug(),
    settings: p.settings,
    today: p.runOn,
    now: p.now,
  });
  return { ...applyEdit(draft, { ...template, invoiceDate: p.runOn }, p.ids), recurringInvoiceId: p.schedule.id };
}

/**
 * A template as stored: product lines resolved (copied, as a draft's are), every record it names
 * checked, and the whole applied to a blank draft as a run will apply it, so a template the
 * invoice rules would refuse is refused now (422), not at its first run.
 */
async function prepareTemplate(
  deps: RecurringDeps,
  actor: Actor,
  settings: StoredSettings,
  base: InvoiceEditInput,
  req: Partial<TemplateRequest>,
): Promise<InvoiceEditInput> {
  const { lineItems, ...rest } = req;
  const resolved = lineItems ? await resolveLineItems(deps.products, actor, lineItems, 'invoice.lineItems') : undefined;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const template: InvoiceEditInput = { ...base, ...defined, ...(resolved ? { lineItems: resolved } : {}) };
  const missing = await missingReferences(deps, actor.accountId, template);
  if (missing.length) throw validationError('The invoice template refers to records that do not exist', missing);
  const probe = { id: 'rec_probe', accountId: actor.accountId, owner: actor.userId } as RecurringInvoice;
  if (template.comments) await loadRichText();
  try {
    draftFromTemplate(
      {
        schedule: probe,
        settings,
        ids: deps.ids,
        runOn: todayIn(settings.timeZone, deps.clock.now()),
        now: toInstant(deps.clock.now()),
      },
      template,
    );
  } catch (e) {
    underInvoice(e);
  }
  return template;
}

const noRunLeft = () =>
  validationError('The schedule has no run date left', [
    { path: 'schedule', message: 'has no run date on or after today within its endDate and count' },
  ]);

/** Where a schedule (re)starts on `today`: its next run, or a 422 when none is left. */
function startingRun(rule: Recurrence, today: string, lastRunOn: string | null, issuedCount: number) {
  const index = firstRunFrom(rule, today, lastRunOn);
  if (!withinEnd(rule, index) || (rule.count !== null && issuedCount >= rule.count)) return null;
  return { nextRunIndex: index, nextRunOn: runDate(rule, index) };
}

async function load(deps: Pick<RecurringDeps, 'recurring'>, actor: Actor, id: string): Promise<RecurringInvoice> {
  const schedule = await deps.recurring.get(actor.accountId, id);
  if (!schedule) throw notFound('Recurring invoice', id);
  return schedule;
}

export async function createRecurring(
  deps: RecurringDeps,
  actor: Actor,
  req: RecurringCreateRequest,
): Promise<RecurringInvoice> {
  const settings = await getSettings(deps, actor.accountId);
  const template = await prepareTemplate(deps, actor, settings, {}, req.invoice);
  const rule: Recurrence = {
    interval: req.schedule.interval,
    every: req.schedule.every,
    startDate: req.schedule.startDate,
    endDate: req.schedule.endDate ?? null,
    count: req.schedule.count ?? null,
  };
  const start = startingRun(rule, todayIn(settings.timeZone, deps.clock.now()), null, 0);
  if (!start) throw noRunLeft();
  const now = toInstant(deps.clock.now());
  return deps.recurring.create({
    id: deps.ids.id(RECURRING_ID_PREFIX),
    accountId: actor.accountId,
    version: 1,
    createdAt: now,
    updatedAt: now,
    name: req.name,
    status: 'active',
    invoice: template,
    schedule: rule,
    autoFinalize: req.autoFinalize,
    autoSend: req.autoSend,
    owner: actor.userId,
    ...start,
    issuedCount: 0,
    lastRunOn: null,
    lastRunIndex: null,
    lastInvoiceId: null,
    skippedRuns: [],
    lastError: null,
    pausedAt: null,
    endedAt: null,
  });
}

export const getRecurring = load;

export function listRecurring(deps: RecurringDeps, actor: Actor, limit: number, cursor: string | null) {
  return deps.recurring.list(actor.accountId, limit, cursor);
}

const successor = (deps: Pick<RecurringDeps, 'clock'>, s: RecurringInvoice, changes: Partial<RecurringInvoice>) => ({
  ...s,
  ...changes,
  version: s.version + 1,
  updatedAt: toInstant(deps.clock.now()),
});

const notWhenEnded = (s: RecurringInvoice) => {
  // `currentStatus`, as for invoices: `status` is the problem's own HTTP status.
  if (s.status === 'ended')
    throw conflict(`Recurring invoice ${s.id} is ended; its status is ended`, { currentStatus: s.status });
};

/**
 * Edits apply to later runs only: invoices already issued keep what they were issued with. New
 * dates restart the schedule from today, after the last period issued, never issuing a past one.
 */
export async function updateRecurring(
  deps: RecurringDeps,
  actor: Actor,
  id: string,
  req: RecurringPatchRequest,
  ifMatch?: number,
): Promise<RecurringInvoice> {
  const settings = await getSettings(deps, actor.accountId);
  return mutate(
    () => load(deps, actor, id),
    ifMatch,
    async (current) => {
      notWhenEnded(current);
      const template = req.invoice
        ? await prepareTemplate(deps, actor, settings, current.invoice, req.invoice)
        : current.invoice;
      const changes: Partial<RecurringInvoice> = {
        invoice: template,
        ...(req.name !== undefined ? { name: req.name } : {}),
        ...(req.autoFinalize !== undefined ? { autoFinalize: req.autoFinalize } : {}),
        ...(req.autoSend !== undefined ? { autoSend: req.autoSend } : {}),
      };
      if (req.schedule) {
        const s = req.schedule;
        const rule: Recurrence = {
          interval: s.interval ?? current.schedule.interval,
          every: s.every ?? current.schedule.every,
          startDate: s.startDate ?? current.schedule.startDate,
          endDate: s.endDate !== undefined ? s.endDate : current.schedule.endDate,
          count: s.count !== undefined ? s.count : current.schedule.count,
        };
        if (rule.endDate !== null && rule.endDate < rule.startDate)
          throw validationError('The schedule ends before it starts', [
            { path: 'schedule.endDate', message: 'must not be before startDate' },
          ]);
        const start = startingRun(
          rule,
          todayIn(settings.timeZone, deps.clock.now()),
          current.lastRunOn,
          current.issuedCount,
        );
        if (!start) throw noRunLeft();
        Object.assign(changes, { schedule: rule, ...start });
      }
      return deps.recurring.replace(current, successor(deps, current, changes));
    },
  );
}

/** active → paused: no run issues while paused. Pausing a paused schedule changes nothing. */
export async function pauseRecurring(deps: RecurringDeps, actor: Actor, id: string, ifMatch?: number) {
  return mutate(
    () => load(deps, actor, id),
    ifMatch,
    async (current) => {
      notWhenEnded(current);
      if (current.status === 'paused') return current;
      return deps.recurring.replace(
        current,
        successor(deps, current, { status: 'paused', pausedAt: toInstant(deps.clock.now()) }),
      );
    },
  );
}

/**
 * paused → active, from the first run date on or after today: periods that passed while paused
 * are not issued. With no run left (the end date passed meanwhile) the schedule ends instead.
 */
export async function resumeRecurring(deps: RecurringDeps, actor: Actor, id: string, ifMatch?: number) {
  const settings = await getSettings(deps, actor.accountId);
  return mutate(
    () => load(deps, actor, id),
    ifMatch,
    async (current) => {
      notWhenEnded(current);
      if (current.status === 'active') return current;
      const start = startingRun(
        current.schedule,
        todayIn(settings.timeZone, deps.clock.now()),
        current.lastRunOn,
        current.issuedCount,
      );
      const now = toInstant(deps.clock.now());
      return deps.recurring.replace(
        current,
        successor(
          deps,
          current,
          start
            ? { status: 'active', pausedAt: null, ...start }
            : { status: 'ended', nextRunOn: null, pausedAt: null, endedAt: now },
        ),
      );
    },
  );
}

/** Ends the schedule for good (DELETE); the invoices it issued stay. Ending an ended one is a no-op. */
export async function endRecurring(deps: RecurringDeps, actor: Actor, id: string, ifMatch?: number) {
  await mutate(
    () => load(deps, actor, id),
    ifMatch,
    async (current) => {
      if (current.status === 'ended') return current;
      return deps.recurring.replace(
        current,
        successor(deps, current, { status: 'ended', nextRunOn: null, endedAt: toInstant(deps.clock.now()) }),
      );
    },
  );
}

/**
 * The next run dates, by the rule the job uses (recurrence.ts). A run the job has not made yet
 * counts as the job will make it: the current period, not the missed ones before it. A paused
 * schedule shows the dates it would run on if resumed today; an ended one has none.
 */
export async function upcomingRecurring(deps: RecurringDeps, actor: Actor, id: string, count: number) {
  const s = await load(deps, actor, id);
  if (s.status === 'ended') return [];
  const settings = await getSettings(deps, actor.accountId);
  const today = todayIn(settings.timeZone, deps.clock.now());
  const state = { nextRunIndex: s.nextRunIndex, issuedCount: s.issuedCount };
  if (s.status === 'paused') {
    const start = startingRun(s.schedule, today, s.lastRunOn, s.issuedCount);
    if (!start) return [];
    state.nextRunIndex = start.nextRunIndex;
  } else {
    const plan = planRun(s.schedule, state, today);
    if (plan.kind === 'end') return [];
    if (plan.kind === 'issue') state.nextRunIndex = plan.index;
  }
  return upcomingRuns(s.schedule, state, count);
}

/** The invoices the schedule issued, newest first (drafts deleted since are gone from it). */
export async function listIssuedInvoices(
  deps: RecurringDeps,
  actor: Actor,
  id: string,
  limit: number,
  cursor: string | null,
): Promise<Page<Invoice>> {
  await load(deps, actor, id);
  return listRecordInvoices(deps, actor, 'recurringInvoice', id, limit, cursor);
}
