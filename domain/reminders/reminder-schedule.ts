import { addDays } from '../dates/calendar.js';
import type { Invoice } from '../invoices/invoice.js';
import { DEFAULT_SETTINGS, type InvoiceSettings } from '../settings/settings.js';

/**
 * The steps an account's reminders follow, as days relative to the due date, ascending; null when
 * reminders are off. Each open invoice keeps the plan it was indexed with (`reminderPlan`), so the
 * index key (the date of its next step) is a function of the invoice item alone.
 */
export type ReminderPlan = number[] | null;

export function reminderPlan(settings: Partial<Pick<InvoiceSettings, 'reminders'>>): ReminderPlan {
  const r = settings.reminders ?? DEFAULT_SETTINGS.reminders;
  if (!r.enabled || r.schedule.length === 0) return null;
  return [...new Set(r.schedule.map((s) => s.days))].sort((a, b) => a - b);
}

export const samePlan = (a: ReminderPlan | undefined, b: ReminderPlan | undefined): boolean =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The reminder fields of an invoice (absent on invoices stored before reminders existed). */
export type ReminderFields = Pick<Invoice, 'status' | 'dueDate' | 'totals'> &
  Partial<Pick<Invoice, 'remindersPaused' | 'reminderPlan' | 'lastReminderStep'>>;

/** Whether reminders may go out at all: open, something left to pay, a due date, not paused. */
export function remindable(inv: ReminderFields): boolean {
  return inv.status === 'open' && inv.totals.balanceDue > 0 && !!inv.dueDate && !inv.remindersPaused;
}

/** Steps of `plan` not yet sent: later than the last step sent (a step is sent once, never an earlier one after it). */
function pendingSteps(inv: ReminderFields, plan: number[]): number[] {
  const last = inv.lastReminderStep;
  return plan.filter((d) => last === null || last === undefined || d > last);
}

/**
 * The date of the invoice's next step under its own plan, or null when no reminder can come (not
 * remindable, reminders off, every step sent). This is the reminders index's sort key.
 */
export function nextReminderOn(inv: ReminderFields): string | null {
  if (!remindable(inv) || !inv.reminderPlan?.length) return null;
  const next = pendingSteps(inv, inv.reminderPlan)[0];
  return next === undefined ? null : addDays(inv.dueDate!, next);
}

/**
 * The step to send on `today` (the account's calendar date): the LATEST pending step whose date has
 * come. Steps that came due while reminders were off or the job did not run are passed over, so a
 * late run sends one reminder, never a burst. Null when nothing is due.
 */
export function dueStep(inv: ReminderFields, plan: ReminderPlan, today: string): number | null {
  if (!plan || !remindable(inv)) return null;
  const due = pendingSteps(inv, plan).filter((d) => addDays(inv.dueDate!, d) <= today);
  return due.length ? due[due.length - 1]! : null;
}
