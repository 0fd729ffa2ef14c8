import { reminderPlan, samePlan } from '../reminders/reminder-schedule.js';
import type { InvoiceSettings } from '../settings/settings.js';
import type { SideEffectDeps, SideEffectResult } from './invoice-side-effects.js';

/**
 * What a save of an account's settings sets off: a new reminder plan moves the account's open
 * invoices in the reminders index (each carries the plan it is indexed by). Here rather than in the
 * save, so the save answers at once however many invoices are open, and a re-key cut short (a
 * timeout, throttling) is tried again with its record instead of leaving the invoices half moved.
 * The records of one settings item arrive in order, so the last save's plan is the one that stays.
 * A settings item stored before a field existed reads that field's default, as `getSettings` does.
 */
export async function settingsSideEffects(
  deps: Pick<SideEffectDeps, 'reminderIndex'>,
  oldImage: Partial<InvoiceSettings> | null,
  newImage: Partial<InvoiceSettings> & { accountId: string },
): Promise<SideEffectResult> {
  const plan = reminderPlan(newImage);
  // No settings item yet: the open invoices were indexed by the defaults' plan.
  if (deps.reminderIndex && !samePlan(plan, reminderPlan(oldImage ?? {})))
    await deps.reminderIndex.rekeyAccount(newImage.accountId, plan);
  return { published: [], rendered: false };
}
