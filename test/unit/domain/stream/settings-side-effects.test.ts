import { describe, expect, test } from 'vitest';
import type { ReminderPlan } from '../../../../domain/reminders/reminder-schedule.js';
import { DEFAULT_SETTINGS, type ReminderSettings } from '../../../../domain/settings/settings.js';
import { settingsSideEffects } from '../../../../domain/stream/settings-side-effects.js';

const saved = (reminders: ReminderSettings) => ({ accountId: 'acc_1', prefix: 'INV', reminders });
const on = (...days: number[]): ReminderSettings => ({ enabled: true, schedule: days.map((d) => ({ days: d })) });

/** A reminders index that records what it was asked to re-key, and the settings as they stand now. */
function fakes(now: ReminderSettings | null) {
  const calls: { accountId: string; plan: ReminderPlan }[] = [];
  let reads = 0;
  const reminderRekey = {
    index: {
      rekeyAccount: async (accountId: string, plan: ReminderPlan) => {
        calls.push({ accountId, plan });
        return 0;
      },
    },
    settings: {
      get: async () => {
        reads++;
        return now ? { ...DEFAULT_SETTINGS, accountId: 'acc_1', version: 3, updatedAt: null, reminders: now } : null;
      },
    },
  };
  return { calls, reads: () => reads, deps: { reminderRekey } };
}

describe('a settings save, as the stream sees it', () => {
  test('a new schedule re-keys the account with the plan the settings hold, steps sorted and once each', async () => {
    const { calls, deps } = fakes(on(5, -10, 5));
    await settingsSideEffects(deps, saved(on(-3, 7)), saved(on(5, -10, 5)));
    expect(calls).toEqual([{ accountId: 'acc_1', plan: [-10, 5] }]);
  });

  test('a record retried or redriven after a later save moves the invoices to the later plan, never back', async () => {
    const { calls, deps } = fakes(on(1));
    await settingsSideEffects(deps, saved(on(-3)), saved(on(7)));
    expect(calls).toEqual([{ accountId: 'acc_1', plan: [1] }]);
  });

  test('turning reminders off re-keys with no plan (the invoices leave the index)', async () => {
    const off = { enabled: false, schedule: [{ days: 0 }] };
    const { calls, deps } = fakes(off);
    await settingsSideEffects(deps, saved(on(0)), saved(off));
    expect(calls).toEqual([{ accountId: 'acc_1', plan: null }]);
  });

  test('a save that leaves the plan as it was (another field, the same steps in another order) reads and moves nothing', async () => {
    const { calls, reads, deps } = fakes(on(-3, 7));
    await settingsSideEffects(deps, saved(on(7, -3)), saved(on(-3, 7)));
    expect(calls).toEqual([]);
    expect(reads()).toBe(0);
  });

  test('the first save compares with the defaults the open invoices were indexed by', async () => {
    const same = fakes(DEFAULT_SETTINGS.reminders);
    await settingsSideEffects(same.deps, null, saved(DEFAULT_SETTINGS.reminders));
    expect(same.calls).toEqual([]);
    // Turning reminders on in the first save: the open invoices join the index.
    const enabled = { ...DEFAULT_SETTINGS.reminders, enabled: true };
    const joined = fakes(enabled);
    await settingsSideEffects(joined.deps, null, saved(enabled));
    expect(joined.calls).toEqual([{ accountId: 'acc_1', plan: [-3, 0, 7, 14, 30] }]);
  });
});
