import { byUser, SYSTEM } from '../audit/history.js';
import type { Actor } from '../auth/actor.js';
import { addDays, toInstant, todayIn } from '../dates/calendar.js';
import { DomainError } from '../errors.js';
import type { Invoice } from '../invoices/invoice.js';
import { sendInvoice, type SendDeps } from '../invoices/send-invoice.js';
import { buyerParty } from '../invoices/invoice-use-cases.js';
import {
  RunClaimed,
  VersionConflict,
  type DueSchedule,
  type NumberRequest,
  type ProductStore,
  type RecurringStore,
} from '../ports.js';
import { MAX_SKIPPED_KEPT, planRun } from '../recurring/recurrence.js';
import type { RecurringInvoice, RunFailure } from '../recurring/recurring-invoice.js';
import { draftFromTemplate, missingReferences } from '../recurring/recurring-use-cases.js';
import { getSettings } from '../settings/settings-use-cases.js';
import { reminderPlan } from '../reminders/reminder-schedule.js';
import type { StoredSettings } from '../settings/settings.js';
import { FURTHEST_AHEAD_ZONE, forEachLimited } from './flag-past-due.js';
import { loadRichText } from '../invoices/rich-text.js';

/** Schedules in flight at once: each run is a transaction on one account's counter, so keep it modest. */
const ISSUE_CONCURRENCY = 4;

export type IssueRecurringDeps = SendDeps & { recurring: RecurringStore; products: ProductStore };

export type IssueRecurringResult = {
  /** Index items storage read (the job's cost): grows with the schedules due, not with the table. */
  itemsRead: number;
  /** Invoices this run issued (one per schedule at most). */
  issued: number;
  /** Schedules read but left alone: not yet due in their own zone, or claimed by a concurrent run. */
  skipped: number;
  /** Schedules whose run could not issue (a record deleted since, a template the rules now refuse): `lastError`. */
  blocked: number;
  /** Schedules that ended without issuing (every run that came is past their end). */
  ended: number;
  /** Issued invoices that could not be sent (recorded as the schedule's `lastError`). */
  sendFailed: number;
  /** Schedules an unexpected error stopped (left due: the next run retries them). */
  failed: number;
  accounts: number;
  errors: unknown[];
};

/** The job acts as the system on the schedule's account; the invoice's owner is the schedule's. */
/** The job acting in an account: its history entries name it as a system actor. */
const systemActor = (accountId: string): Actor => ({
  userId: SYSTEM.recurringJob.id,
  accountId,
  superAdmin: true,
  permissions: [],
  system: true,
});

/**
 * Issues the invoices of recurring schedules whose next run date has come in their account's zone.
 *
 * Reads the due index up to today in the zone furthest ahead (as the past-due job does), re-reads
 * each schedule, and plans its run with the same rule `upcoming` shows (recurrence.ts): the
 * current period is issued, missed ones are listed as skipped, never issued in a burst. The
 * period is claimed and the invoice created in one transaction conditional on the schedule's
 * version and last period, so overlapping runs and retries issue each period once; the loser is
 * skipped. A template naming a record deleted since is not issued: the run records `lastError`
 * (its stream record raises `recurringInvoice.failed`) and stays due, so fixing the template lets
 * the next hourly run issue it. Invoices are numbered by the account's series, finalized (the
 * stream renders the PDF) and sent when the schedule says so.
 */
export async function issueRecurringInvoices(deps: IssueRecurringDeps, now: Date): Promise<IssueRecurringResult> {
  const result: IssueRecurringResult = {
    itemsRead: 0,
    issued: 0,
    skipped: 0,
    blocked: 0,
    ended: 0,
    sendFailed: 0,
    failed: 0,
    accounts: 0,
    errors: [],
  };
  const settingsByAccount = new Map<string, Promise<StoredSettings>>();
  const accountSettings = (accountId: string) => {
    let s = settingsByAccount.get(accountId);
    if (!s) {
      result.accounts++;
      s = getSettings(deps, accountId);
      settingsByAccount.set(accountId, s);
    }
    return s;
  };

  const visit = async (c: DueSchedule) => {
    try {
      const outcome = await runSchedule(deps, c, await accountSettings(c.accountId), now);
      result[outcome]++;
    } catch (e) {
      result.failed++;
      if (result.errors.length < 5) result.errors.push(e);
    }
  };

  // "Due before tomorrow" in the furthest-ahead zone: every schedule due today anywhere.
  for await (const page of deps.recurring.readDue(addDays(todayIn(FURTHEST_AHEAD_ZONE, now), 1))) {
    result.itemsRead += page.itemsRead;
    await forEachLimited(page.candidates, ISSUE_CONCURRENCY, visit);
  }
  return result;
}

type Outcome = 'issued' | 'skipped' | 'blocked' | 'ended' | 'sendFailed';

async function runSchedule(
  deps: IssueRecurringDeps,
  c: DueSchedule,
  settings: StoredSettings,
  nowDate: Date,
): Promise<Outcome> {
  const s = await deps.recurring.get(c.accountId, c.id);
  if (!s || s.status !== 'active') return 'skipped';
  const today = todayIn(settings.timeZone, nowDate);
  const now = toInstant(nowDate);
  const plan = planRun(s.schedule, s, today);
  if (plan.kind === 'wait') return 'skipped';
  const skippedRuns = (plan.skipped.length ? [...s.skippedRuns, ...plan.skipped] : s.skippedRuns).slice(
    -MAX_SKIPPED_KEPT,
  );
  if (plan.kind === 'end') {
    const ended = { status: 'ended' as const, nextRunOn: null, endedAt: now, skippedRuns };
    return (await write(deps, s, next(s, now, ended))) ? 'ended' : 'skipped';
  }

  const missing = await missingReferences(deps, s.accountId, s.invoice);
  if (missing.length) {
    await fail(deps, s, now, plan.runOn, 'The invoice template names records deleted since', missing);
    return 'blocked';
  }
  let invoice: Invoice;
  if (s.invoice.comments) await loadRichText();
  try {
    invoice = draftFromTemplate({ schedule: s, settings, ids: deps.ids, runOn: plan.runOn, now });
  } catch (e) {
    if (!(e instanceof DomainError && e.code === 'validation')) throw e;
    await fail(deps, s, now, plan.runOn, `The invoice template is not valid: ${e.message}`, e.errors);
    return 'blocked';
  }
  const series: NumberRequest = { prefix: settings.prefix, startNumber: settings.startNumber };
  let numbering: NumberRequest | undefined = settings.numbering === 'onCreate' ? series : undefined;
  if (s.autoFinalize) {
    // Born open in the same write: numbered now whatever the numbering mode, its PDF to render.
    // The parties are fixed at issue, as finalize fixes them (the e-invoice never changes after).
    const buyer = await buyerParty(deps, invoice);
    invoice = {
      ...invoice,
      status: 'open',
      finalizedAt: now,
      pdf: { status: 'pending', sha256: null },
      reminderPlan: reminderPlan(settings),
      seller: settings.seller ?? null,
      sellerLogo: settings.logo ?? null,
      buyer,
    };
    numbering = series;
  }
  const claimed = next(s, now, {
    issuedCount: s.issuedCount + 1,
    lastRunOn: plan.runOn,
    lastRunIndex: plan.index,
    lastInvoiceId: invoice.id,
    nextRunIndex: plan.next?.index ?? plan.index + 1,
    nextRunOn: plan.next?.runOn ?? null,
    ...(plan.next ? {} : { status: 'ended' as const, endedAt: now }),
    skippedRuns,
    lastError: null,
  });
  let issued: Invoice;
  try {
    issued = await deps.recurring.issue(
      s,
      claimed,
      invoice,
      byUser(systemActor(s.accountId), 'created', now),
      numbering,
    );
  } catch (e) {
    if (e instanceof RunClaimed) return 'skipped';
    throw e;
  }
  if (!(s.autoSend && issued.status === 'open')) return 'issued';
  // Only the run that won the claim gets here, so the email goes out once. A crash between the
  // claim and the send leaves the invoice open and unsent (at most once, never twice).
  try {
    await sendInvoice(deps, systemActor(s.accountId), issued.id);
    return 'issued';
  } catch (e) {
    const errors = e instanceof DomainError ? e.errors : [];
    const message = `Invoice ${issued.number ?? issued.id} was issued but could not be sent: ${e instanceof Error ? e.message : String(e)}`;
    await fail(deps, claimed, toInstant(deps.clock.now()), plan.runOn, message, errors);
    return 'sendFailed';
  }
}

function next(s: RecurringInvoice, now: string, changes: Partial<RecurringInvoice>): RecurringInvoice {
  return { ...s, ...changes, version: s.version + 1, updatedAt: now };
}

/** A conditional write of the schedule; false when a concurrent run or edit got there first. */
async function write(deps: IssueRecurringDeps, prev: RecurringInvoice, nextS: RecurringInvoice): Promise<boolean> {
  try {
    await deps.recurring.replace(prev, nextS);
    return true;
  } catch (e) {
    if (e instanceof VersionConflict) return false;
    throw e;
  }
}

/**
 * Records why a run did not issue. The same failure for the same run is written once (hourly
 * retries of a broken template do not raise an event an hour); the schedule stays due.
 */
async function fail(
  deps: IssueRecurringDeps,
  s: RecurringInvoice,
  now: string,
  runOn: string,
  message: string,
  errors: RunFailure['errors'],
): Promise<void> {
  const same =
    s.lastError &&
    s.lastError.runOn === runOn &&
    s.lastError.message === message &&
    // Compared field by field: a stored map does not keep its keys' order.
    s.lastError.errors.map((e) => `${e.path}\n${e.message}`).join('\n') ===
      errors.map((e) => `${e.path}\n${e.message}`).join('\n');
  if (!same) await write(deps, s, next(s, now, { lastError: { at: now, runOn, message, errors } }));
}
