import { describe, expect, test } from 'vitest';
import { sumTotals } from '../../../../domain/money/line-items.js';
import {
  dueStep,
  nextReminderOn,
  reminderPlan,
  type ReminderFields,
} from '../../../../domain/reminders/reminder-schedule.js';
import { DEFAULT_SETTINGS } from '../../../../domain/settings/settings.js';

const PLAN = [-3, 0, 7, 14, 30];
const invoice = (over: Partial<ReminderFields> = {}): ReminderFields => ({
  status: 'open',
  dueDate: '2026-03-10',
  totals: { ...sumTotals([]), total: 1000, balanceDue: 1000 },
  reminderPlan: PLAN,
  lastReminderStep: null,
  remindersPaused: false,
  ...over,
});

describe('reminderPlan', () => {
  test('off by default; the steps sorted and unique when on', () => {
    expect(reminderPlan(DEFAULT_SETTINGS)).toBeNull();
    expect(reminderPlan({ reminders: { enabled: true, schedule: [{ days: 7 }, { days: -3 }, { days: 0 }] } })).toEqual([
      -3, 0, 7,
    ]);
    expect(reminderPlan({ reminders: { enabled: true, schedule: [] } })).toBeNull();
  });
});

describe('dueStep: the latest step that has come, once, never a burst', () => {
  test.each([
    ['2026-03-06', null],
    ['2026-03-07', -3],
    ['2026-03-09', -3],
    ['2026-03-10', 0],
    ['2026-03-16', 0],
    ['2026-03-17', 7],
    ['2026-05-01', 30],
  ])('on %s with nothing sent: %s', (today, step) => {
    expect(dueStep(invoice(), PLAN, today)).toBe(step);
  });

  test('steps already sent, and earlier ones, are not sent again', () => {
    expect(dueStep(invoice({ lastReminderStep: 0 }), PLAN, '2026-03-12')).toBeNull();
    expect(dueStep(invoice({ lastReminderStep: 0 }), PLAN, '2026-03-17')).toBe(7);
    expect(dueStep(invoice({ lastReminderStep: 30 }), PLAN, '2027-01-01')).toBeNull();
  });

  test('none for drafts, paid, voided, paused, nothing due, or reminders off', () => {
    for (const over of [
      { status: 'draft' as const },
      { status: 'paid' as const },
      { status: 'voided' as const },
      { remindersPaused: true },
      { totals: { ...sumTotals([]), total: 1000, amountPaid: 1000, balanceDue: 0 } },
      { dueDate: null },
    ])
      expect(dueStep(invoice(over), PLAN, '2026-03-20')).toBeNull();
    expect(dueStep(invoice(), null, '2026-03-20')).toBeNull();
  });
});

describe('nextReminderOn: the index key', () => {
  test('follows the due date, the steps sent and the invoice state', () => {
    expect(nextReminderOn(invoice())).toBe('2026-03-07');
    expect(nextReminderOn(invoice({ dueDate: '2026-04-01' }))).toBe('2026-03-29');
    expect(nextReminderOn(invoice({ lastReminderStep: 7 }))).toBe('2026-03-24');
    expect(nextReminderOn(invoice({ lastReminderStep: 30 }))).toBeNull();
    expect(nextReminderOn(invoice({ remindersPaused: true }))).toBeNull();
    expect(nextReminderOn(invoice({ status: 'paid' }))).toBeNull();
    expect(nextReminderOn(invoice({ reminderPlan: null }))).toBeNull();
    // Stored before reminders existed: no plan, so not indexed until the backfill gives it one.
    expect(nextReminderOn(invoice({ reminderPlan: undefined }))).toBeNull();
  });
});
