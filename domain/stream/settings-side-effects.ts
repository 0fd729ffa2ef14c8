import { reminderPlan, samePlan } from '../reminders/reminder-schedule.js';
import type { InvoiceSettings } from '../settings/settings.js';
import type { SideEffectDeps, SideEffectResult } from './invoice-side-effects.js';

/**
 * What a save of an account's settings sets off: a new reminder plan moves the account's open
 * invoices in the reminders index (each carries the plan it is indexed by). Here rather than in the
 * save, so the save answers at once however many invoices are open, and a re-key cut short (a
 * timeout, throttling) is tried again with its record instead of leaving the invoices half moved.
 *
 * The record says whether the plan changed; the plan the invoices move to is the one the settings
 * hold now (a consistent read), not the record's: a record retried, or redriven from the
 * dead-letter queue, after a later save then moves them to the later plan, never back.
 */
export async function settingsSideEffects(
  deps: Pick<SideEffectDeps, 'reminderRekey'>,
  oldImage: Partial<InvoiceSettings> | null,
  newImage: Partial<InvoiceSettings> & { accountId: string },
): Promise<SideEffectResult> {
  const rekey = deps.reminderRekey;
  // No settings item before: the open invoices were indexed by the defaults' plan.
  if (rekey && !samePlan(reminderPlan(newImage), reminderPlan(oldImage ?? {}))) {
    const current = await rekey.settings.get(newImage.accountId);
    await rekey.index.rekeyAccount(newImage.accountId, reminderPlan(current ?? {}));
  }
  return { published: [], rendered: false };
}
