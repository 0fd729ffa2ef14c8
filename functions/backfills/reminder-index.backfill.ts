import type { Invoice } from '../../domain/invoices/invoice.js';
import { reminderPlan, type ReminderPlan } from '../../domain/reminders/reminder-schedule.js';
import { getSettings } from '../../domain/settings/settings-use-cases.js';
import { DynamoInvoiceStore } from '../dynamodb/invoice-store.js';
import { fromItem } from '../dynamodb/items.js';
import { DynamoReminderStore } from '../dynamodb/reminder-store.js';
import { DynamoSettingsStore } from '../dynamodb/settings-store.js';
import type { Backfill } from './backfill-runner.js';

/**
 * Open invoices stored before reminders existed have no `reminderPlan` and so no reminders index
 * keys: this gives each its account's current plan and the keys that follow (without a new version,
 * as a settings change does). An invoice that already has a plan (finalized since, or done by an
 * earlier run) is left alone, so running it again changes nothing.
 */
export const reminderIndexBackfill: Backfill = {
  name: 'reminders-index',
  description: "Gives open invoices stored before payment reminders their account's plan and reminders index keys",
  filter: {
    expression: '#entity = :invoice AND #status = :open AND attribute_not_exists(#plan)',
    names: { '#entity': 'entity', '#status': 'status', '#plan': 'reminderPlan' },
    values: { ':invoice': 'invoice', ':open': 'open' },
  },
  prepare({ db, tableName }) {
    const invoices = new DynamoInvoiceStore(db, tableName);
    const reminders = new DynamoReminderStore(db, tableName, invoices);
    const settings = new DynamoSettingsStore(db, tableName);
    const plans = new Map<string, Promise<ReminderPlan>>();
    const planOf = (accountId: string) => {
      let p = plans.get(accountId);
      if (!p) plans.set(accountId, (p = getSettings({ settings }, accountId).then(reminderPlan)));
      return p;
    };
    return async (item) => {
      let inv: Invoice | null = fromItem<Invoice>(item);
      // A write since the Scan read it moves the version: re-read, and skip it if it has a plan by now.
      for (let attempt = 0; attempt < 3 && inv; attempt++) {
        if (inv.status !== 'open' || inv.reminderPlan !== undefined) return false;
        if (await reminders.rekey(inv, await planOf(inv.accountId))) return true;
        inv = await invoices.get(inv.accountId, inv.id);
      }
      return false;
    };
  },
};
