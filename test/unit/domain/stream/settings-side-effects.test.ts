import { describe, expect, test } from 'vitest';
import type { ReminderPlan } from '../../../../domain/reminders/reminder-schedule.js';
import { DEFAULT_SETTINGS } from '../../../../domain/settings/settings.js';
import { settingsSideEffects } from '../../../../domain/stream/settings-side-effects.js';

/** A reminders index that records what it was asked to re-key. */
function fakeIndex() {
  const calls: { accountId: string; plan: ReminderPlan }[] = [];
  return {
    calls,
    reminderIndex: {
      rekeyAccount: async (accountId: string, plan: ReminderPlan) => {
        calls.push({ accountId, plan });
        return 0;
      },
    },
  };
}

const saved = (reminders?: { enabled: boolean; schedule: { days: number }[] }) => ({
  accountId: 'acc_1',
  prefix: 'INV',
  ...(reminders ? { reminders } : {}),
});

describe('a settings save, as the stream sees it', () => {
  test('a new schedule re-keys the account with the new plan, steps sorted and once each', async () => {
    const { calls, reminderIndex } = fakeIndex();
    await settingsSideEffects(
      { reminderIndex },
      saved({ enabled: true, schedule: [{ days: -3 }, { days: 7 }] }),
      saved({ enabled: true, schedule: [{ days: 5 }, { days: -10 }, { days: 5 }] }),
    );
    expect(calls).toEqual([{ accountId: 'acc_1', plan: [-10, 5] }]);
  });

  test('turning reminders off re-keys with no plan (the invoices leave the index)', async () => {
    const { calls, reminderIndex } = fakeIndex();
    await settingsSideEffects(
      { reminderIndex },
      saved({ enabled: true, schedule: [{ days: 0 }] }),
      saved({ enabled: false, schedule: [{ days: 0 }] }),
    );
    expect(calls).toEqual([{ accountId: 'acc_1', plan: null }]);
  });

  test('a save that leaves the plan as it was (another field, or the same steps in another order) re-keys nothing', async () => {
    const { calls, reminderIndex } = fakeIndex();
    await settingsSideEffects(
      { reminderIndex },
      saved({ enabled: true, schedule: [{ days: 7 }, { days: -3 }] }),
      saved({ enabled: true, schedule: [{ days: -3 }, { days: 7 }] }),
    );
    expect(calls).toEqual([]);
  });

  test('the first save compares with the defaults the open invoices were indexed by; an item from before reminders existed reads them too', async () => {
    const { calls, reminderIndex } = fakeIndex();
    // First save, reminders as the defaults: nothing moves.
    await settingsSideEffects({ reminderIndex }, null, saved(DEFAULT_SETTINGS.reminders));
    // A stored item without the field is read as the defaults too.
    await settingsSideEffects({ reminderIndex }, saved(), saved(DEFAULT_SETTINGS.reminders));
    expect(calls).toEqual([]);
    // First save that turns reminders on: the open invoices join the index.
    await settingsSideEffects({ reminderIndex }, null, saved({ ...DEFAULT_SETTINGS.reminders, enabled: true }));
    expect(calls).toEqual([{ accountId: 'acc_1', plan: [-3, 0, 7, 14, 30] }]);
  });
});
