import { SYSTEM } from '../audit/history.js';
import { addDays, toInstant, todayIn } from '../dates/calendar.js';
import { VersionConflict, type ReminderCandidate } from '../ports.js';
import { emailRecipients, mailReminder, reminderClaim, type ReminderDeps } from '../reminders/reminder-use-cases.js';
import { dueStep, reminderPlan, samePlan, type ReminderPlan } from '../reminders/reminder-schedule.js';
import { getSettings } from '../settings/settings-use-cases.js';
import { FURTHEST_AHEAD_ZONE, forEachLimited } from './flag-past-due.js';

/** Invoices in flight at once: each is a read, a transaction and a few emails. */
const REMIND_CONCURRENCY = 8;

export type SendRemindersDeps = Omit<ReminderDeps, 'ledger'>;

export type SendRemindersResult = {
  /** Index items storage read (the job's cost): grows with the reminders due, not with the table. */
  itemsRead: number;
  /** Reminders this run claimed and emailed (one per invoice at most). */
  sent: number;
  /** Steps that came due with no contact to email: spent without an email. */
  noRecipient: number;
  /** Entries read but left alone: not yet due in their account's zone, or claimed by a concurrent run. */
  skipped: number;
  /** Entries re-keyed to the account's current plan (the settings changed, or reminders were turned off). */
  rekeyed: number;
  /** Entries an unexpected error stopped (left in the index: the next run retries them). */
  failed: number;
  accounts: number;
  errors: unknown[];
};

type Outcome = 'sent' | 'noRecipient' | 'skipped' | 'rekeyed';

/**
 * Sends the payment reminders that have come due. Reads the reminders index up to today in the
 * zone furthest ahead (as the past-due job does), then for each invoice decides with its account's
 * CURRENT plan and today in the account's zone: the latest pending step whose date has come is
 * claimed (one transaction: the invoice's step and version, the reminder item and the history
 * entry, conditional on the version read) and only then emailed, so overlapping runs send a step
 * once and a late run sends one reminder, never a burst of the steps it missed. An invoice indexed
 * with a plan the account no longer has is re-keyed to the current one.
 */
export async function sendDueReminders(deps: SendRemindersDeps, now: Date): Promise<SendRemindersResult> {
  const result: SendRemindersResult = {
    itemsRead: 0,
    sent: 0,
    noRecipient: 0,
    skipped: 0,
    rekeyed: 0,
    failed: 0,
    accounts: 0,
    errors: [],
  };
  const byAccount = new Map<string, Promise<{ plan: ReminderPlan; today: string }>>();
  const account = (accountId: string) => {
    let a = byAccount.get(accountId);
    if (!a) {
      result.accounts++;
      a = getSettings(deps, accountId).then((s) => ({ plan: reminderPlan(s), today: todayIn(s.timeZone, now) }));
      byAccount.set(accountId, a);
    }
    return a;
  };
  const visit = async (c: ReminderCandidate) => {
    try {
      result[await remindOne(deps, c, await account(c.accountId), now)]++;
    } catch (e) {
      result.failed++;
      if (result.errors.length < 5) result.errors.push(e);
    }
  };
  // "Before tomorrow" in the furthest-ahead zone: every step due today anywhere.
  for await (const page of deps.reminders.readDue(addDays(todayIn(FURTHEST_AHEAD_ZONE, now), 1))) {
    result.itemsRead += page.itemsRead;
    await forEachLimited(page.candidates, REMIND_CONCURRENCY, visit);
  }
  return result;
}

const jobActor = (accountId: string) => ({
  userId: SYSTEM.reminderJob.id,
  accountId,
  superAdmin: true,
  permissions: [],
  system: true,
});

async function remindOne(
  deps: SendRemindersDeps,
  c: ReminderCandidate,
  account: { plan: ReminderPlan; today: string },
  nowDate: Date,
): Promise<Outcome> {
  const invoice = await deps.invoices.get(c.accountId, c.invoiceId);
  if (!invoice) return 'skipped';
  const step = dueStep(invoice, account.plan, account.today);
  if (step === null) {
    // Not due yet in the account's own zone, or indexed under a plan the account has since changed.
    if (!samePlan(invoice.reminderPlan, account.plan)) {
      return (await deps.reminders.rekey(invoice, account.plan)) ? 'rekeyed' : 'skipped';
    }
    return 'skipped';
  }
  const now = toInstant(nowDate);
  const recipients = await emailRecipients(deps, invoice);
  const { next, reminder } = reminderClaim(deps, invoice, { now, trigger: 'schedule', step, recipients });
  const claimed = { ...next, reminderPlan: account.plan };
  const actor = jobActor(invoice.accountId);
  const change = {
    actor: { type: 'system' as const, id: actor.userId },
    action: recipients.length ? ('reminderSent' as const) : ('reminderSkipped' as const),
    at: now,
    detail: {
      step,
      ...(recipients.length ? { reminderId: reminder.id } : { reason: 'no contact has an email address' }),
    },
  };
  try {
    await deps.reminders.claim(invoice, claimed, recipients.length ? reminder : null, change);
  } catch (e) {
    if (e instanceof VersionConflict) return 'skipped'; // another run (or a payment) got there first
    throw e;
  }
  if (!recipients.length) return 'noRecipient';
  // Only the run that won the claim gets here: a crash between claim and email loses the email, never doubles it.
  await mailReminder(deps, claimed, reminder, recipients, account.today);
  return 'sent';
}
