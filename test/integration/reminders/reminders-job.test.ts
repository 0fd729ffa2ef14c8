import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { simpleParser } from 'mailparser';
import { OutboxMailer } from '../../../functions/mail/outbox-mailer.js';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { markInvoicePaid, updateInvoice, voidInvoice, getInvoice } from '../../../domain/invoices/invoice-use-cases.js';
import { sendDueReminders } from '../../../domain/jobs/send-reminders.js';
import { recordPayment } from '../../../domain/payments/payment-use-cases.js';
import { updateSettings } from '../../../domain/settings/settings-use-cases.js';
import { settingsSideEffects } from '../../../domain/stream/settings-side-effects.js';
import { keys } from '../../../functions/dynamodb/keys.js';
import { DynamoAuditLog } from '../../../functions/dynamodb/audit-log.js';
import { dropTable, ensureTable } from '../../../infra/local/dynamodb-local.js';
import { draftInvoice, openInvoice, reminderAccount, reminderWorld } from '../../support/reminder-world.js';

/**
 * The reminders job against DynamoDB Local, with a clock the test moves: the job's "now" (today in
 * each account's zone, the instants it writes) is the only time it sees.
 */
const endpoint = inject('dynamodbEndpoint');
const tableName = `reminders_${randomUUID().slice(0, 8)}`;
const w = reminderWorld(endpoint, tableName);

beforeAll(() => ensureTable(endpoint, tableName, { stream: false }));
afterAll(() => dropTable(endpoint, tableName));

const run = () => sendDueReminders(w.deps(), w.now());
/** What the job emailed for one invoice (each message links its page, by its unguessable slug). */
const mailsFor = (inv: { slug: string }) => w.sent.filter((m) => m.text.includes(`/i/${inv.slug}`));
const rawItem = async (accountId: string, id: string) =>
  (await w.db.send(new GetCommand({ TableName: tableName, Key: keys.invoice(accountId, id), ConsistentRead: true })))
    .Item!;

describe('the schedule, in the account time zone', () => {
  test('an invoice due "today" in Tokyo and in New York: each gets the step its own today has reached, one at a time', async () => {
    w.setNow(new Date('2026-03-01T12:00:00Z'));
    const tokyo = await reminderAccount(w, { timeZone: 'Asia/Tokyo' });
    const newYork = await reminderAccount(w, { timeZone: 'America/New_York' });
    const inTokyo = await openInvoice(w, tokyo, '2026-03-10');
    const inNewYork = await openInvoice(w, newYork, '2026-03-10');
    // Indexed by the first step: three days before the due date.
    expect((await rawItem(tokyo.actor.accountId, inTokyo.id)).gsi8sk).toMatch(/^2026-03-07#/);

    // Before the first step in both zones: nothing.
    w.setNow(new Date('2026-03-06T12:00:00Z'));
    expect((await run()).sent).toBe(0);

    // 16:00 UTC on the 9th: already the 10th (the due date) in Tokyo, still the 9th in New York.
    // Tokyo missed the -3 step (no run came then): it gets only the latest, the due-date one.
    w.setNow(new Date('2026-03-09T16:00:00Z'));
    await run();
    expect(mailsFor(inTokyo)).toHaveLength(1);
    expect(mailsFor(inTokyo)[0]!.subject).toBe(`Reminder: invoice ${inTokyo.number} is due today`);
    expect(mailsFor(inNewYork)).toHaveLength(1);
    expect(mailsFor(inNewYork)[0]!.subject).toBe(`Reminder: invoice ${inNewYork.number} is due on March 10, 2026`);
    expect((await getInvoice(w.core, tokyo.actor, inTokyo.id)).lastReminderStep).toBe(0);
    expect((await rawItem(tokyo.actor.accountId, inTokyo.id)).gsi8sk).toMatch(/^2026-03-17#/);

    // Again in the same hour, and an hour later: nothing new.
    await run();
    w.setNow(new Date('2026-03-09T17:00:00Z'));
    await run();
    expect(mailsFor(inTokyo)).toHaveLength(1);
    expect(mailsFor(inNewYork)).toHaveLength(1);

    // Midnight in New York: the 10th there too.
    w.setNow(new Date('2026-03-10T05:00:00Z'));
    await run();
    expect(mailsFor(inNewYork).map((m) => m.subject)).toEqual([
      `Reminder: invoice ${inNewYork.number} is due on March 10, 2026`,
      `Reminder: invoice ${inNewYork.number} is due today`,
    ]);
    expect(mailsFor(inTokyo)).toHaveLength(1);

    // After the due date: the 7-day step, past due.
    w.setNow(new Date('2026-03-17T15:00:00Z'));
    await run();
    expect(mailsFor(inTokyo).at(-1)!.subject).toBe(`Reminder: invoice ${inTokyo.number} is past due`);
    expect(mailsFor(inNewYork).at(-1)!.subject).toBe(`Reminder: invoice ${inNewYork.number} is past due`);
    expect(mailsFor(inTokyo)).toHaveLength(2);
    expect(mailsFor(inNewYork)).toHaveLength(3);
  });
});

describe('exactly once', () => {
  test('runs at once, and runs repeated, send each step once', async () => {
    w.setNow(new Date('2026-04-01T12:00:00Z'));
    const a = await reminderAccount(w, { timeZone: 'Europe/Amsterdam' });
    const invoices = await Promise.all(['2026-04-20', '2026-04-21', '2026-04-22'].map((d) => openInvoice(w, a, d)));
    // Every 29 hours (a different hour of the day each time) over three weeks, four runs racing at each tick.
    for (
      let t = DateTime.fromISO('2026-04-15T00:00:00Z');
      t < DateTime.fromISO('2026-05-10T00:00:00Z');
      t = t.plus({ hours: 29 })
    ) {
      w.setNow(t);
      const results = await Promise.all([run(), run(), run(), run()]);
      expect(results.every((r) => r.failed === 0)).toBe(true);
    }
    for (const inv of invoices) {
      const steps = (await w.reminders.list(a.actor.accountId, inv.id)).map((r) => r.step);
      // -3, 0, 7 and 14 days have come by May 10; 30 has not.
      expect(steps).toEqual([-3, 0, 7, 14]);
      expect(mailsFor(inv)).toHaveLength(4);
    }
  });

  test('each claim writes its history entry in the same transaction', async () => {
    w.setNow(new Date('2026-04-01T12:00:00Z'));
    const a = await reminderAccount(w);
    const inv = await openInvoice(w, a, '2026-04-10');
    w.setNow(new Date('2026-04-08T12:00:00Z'));
    await run();
    const [reminder] = await w.reminders.list(a.actor.accountId, inv.id);
    const history = await new DynamoAuditLog(w.db, tableName).history(a.actor.accountId, inv.id, 100, null, w.now());
    const entry = history.items.find((e) => e.action === 'reminderSent')!;
    expect(entry.actor).toEqual({ type: 'system', id: 'reminder-job' });
    expect(entry.detail).toEqual({ step: -3, reminderId: reminder!.id });
    expect(entry.changes.map((c) => c.field).sort()).toEqual(['lastRemindedAt', 'lastReminderStep']);
  });
});

describe('who gets none', () => {
  test('no reminder for drafts, paid, voided or paused invoices; a contact without email spends the step silently', async () => {
    w.setNow(new Date('2026-05-01T12:00:00Z'));
    const a = await reminderAccount(w);
    const due = '2026-05-10';
    const control = await openInvoice(w, a, due);
    const draft = await draftInvoice(w, a, due);
    const paid = await openInvoice(w, a, due);
    await markInvoicePaid(w.core, a.actor, paid.id, {});
    const voided = await openInvoice(w, a, due);
    await voidInvoice(w.core, a.actor, voided.id);
    const paused = await openInvoice(w, a, due);
    const pausedNow = await updateInvoice(w.core, a.actor, paused.id, { remindersPaused: true });
    expect(pausedNow.status).toBe('open');
    const noEmail = await reminderAccount(w, {}, { email: null });
    const unreachable = await openInvoice(w, noEmail, due);

    // None of them is even in the index: the job never reads them.
    for (const inv of [draft, paid, voided, paused])
      expect((await rawItem(a.actor.accountId, inv.id)).gsi8pk).toBeUndefined();

    w.setNow(new Date('2026-05-10T15:00:00Z'));
    const result = await run();
    expect(result.noRecipient).toBe(1);
    expect(mailsFor(control)).toHaveLength(1);
    for (const inv of [paid, voided, paused, unreachable]) expect(mailsFor(inv)).toHaveLength(0);
    expect((await getInvoice(w.core, noEmail.actor, unreachable.id)).lastReminderStep).toBe(0);

    // Resuming reminders puts it back; the next step comes, not a burst of the ones missed.
    await updateInvoice(w.core, a.actor, paused.id, { remindersPaused: false });
    w.setNow(new Date('2026-05-25T15:00:00Z'));
    await run();
    expect(mailsFor(paused).map((m) => m.subject)).toEqual([`Reminder: invoice ${paused.number} is past due`]);
    expect((await w.reminders.list(a.actor.accountId, paused.id)).map((r) => r.step)).toEqual([14]);
  });

  test('a payment or a void between two steps stops the next one; a partial payment does not', async () => {
    w.setNow(new Date('2026-06-01T12:00:00Z'));
    const a = await reminderAccount(w, { allowPartialPayments: true });
    const due = '2026-06-10';
    const payLater = await openInvoice(w, a, due);
    const voidLater = await openInvoice(w, a, due);
    const partly = await openInvoice(w, a, due, { allowPartialPayments: true });
    w.setNow(new Date('2026-06-07T15:00:00Z'));
    await run();
    for (const inv of [payLater, voidLater, partly]) expect(mailsFor(inv)).toHaveLength(1);

    await markInvoicePaid(w.core, a.actor, payLater.id, {});
    await voidInvoice(w.core, a.actor, voidLater.id);
    await recordPayment(w.core, a.actor, partly.id, { amount: 25_000, paidAt: '2026-06-07', method: 'bankTransfer' });

    w.setNow(new Date('2026-06-10T15:00:00Z'));
    await run();
    expect(mailsFor(payLater)).toHaveLength(1);
    expect(mailsFor(voidLater)).toHaveLength(1);
    const second = mailsFor(partly);
    expect(second).toHaveLength(2);
    // The amount still due after the partial payment.
    expect(second[1]!.text).toContain('$1,000.00');
  });
});

describe('the job writes each reminder in its invoice language', () => {
  test('the outbox holds the Dutch reminder in Dutch and the German one in German', async () => {
    const dir = mkdtempSync(join(resolve(import.meta.dirname, '../../../test-output'), 'reminder-outbox-'));
    const outbox = new OutboxMailer(dir, 'invoices@example.com');
    w.setNow(new Date('2026-10-01T12:00:00Z'));
    const a = await reminderAccount(w, { timeZone: 'Europe/Amsterdam' });
    const dutch = await openInvoice(w, a, '2026-10-10', { language: 'nl', locale: 'nl-NL', currency: 'EUR' });
    const german = await openInvoice(w, a, '2026-10-10', { language: 'de', locale: 'de-DE', currency: 'EUR' });
    w.setNow(new Date('2026-10-20T12:00:00Z'));
    await sendDueReminders(w.deps(outbox), w.now());
    const parsed = await Promise.all(readdirSync(dir).map(async (f) => simpleParser(readFileSync(join(dir, f)))));
    const about = (slug: string) => parsed.find((m) => m.text!.includes(`/i/${slug}`))!;
    expect(about(dutch.slug).subject).toBe(`Herinnering: factuur ${dutch.number} is vervallen`);
    expect(about(dutch.slug).text).toMatch(/vervallen op 10 oktober 2026 en er staat nog €\s1\.250,00 open/);
    expect(about(german.slug).subject).toBe(`Zahlungserinnerung: Rechnung ${german.number} ist überfällig`);
    expect(about(german.slug).text).toMatch(/am 10\. Oktober 2026 fällig, und 1\.250,00\s€ sind noch offen/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('moving the schedule', () => {
  test('changing the due date moves the next reminder', async () => {
    w.setNow(new Date('2026-07-01T12:00:00Z'));
    const a = await reminderAccount(w);
    const draft = await draftInvoice(w, a, '2026-07-10');
    await updateInvoice(w.core, a.actor, draft.id, { dueDate: '2026-07-20' });
    const { finalizeInvoice } = await import('../../../domain/invoices/invoice-use-cases.js');
    const inv = await finalizeInvoice(w.core, a.actor, draft.id);
    expect((await rawItem(a.actor.accountId, inv.id)).gsi8sk).toMatch(/^2026-07-17#/);
    w.setNow(new Date('2026-07-08T15:00:00Z')); // the old due date's -3 step
    await run();
    expect(mailsFor(inv)).toHaveLength(0);
    w.setNow(new Date('2026-07-17T15:00:00Z'));
    await run();
    expect(mailsFor(inv)).toHaveLength(1);
  });

  test('a new schedule in the settings re-keys open invoices; turning reminders off takes them out', async () => {
    w.setNow(new Date('2026-08-01T12:00:00Z'));
    const a = await reminderAccount(w);
    const inv = await openInvoice(w, a, '2026-08-20');
    expect((await rawItem(a.actor.accountId, inv.id)).gsi8sk).toMatch(/^2026-08-17#/);
    // A save, then what the stream does with its record (test/integration/reminders/reminder-routes.test.ts
    // runs the real stream).
    const save = async (input: Parameters<typeof updateSettings>[2]) => {
      const before = await w.core.settings.get(a.actor.accountId);
      await settingsSideEffects(
        { reminderRekey: { index: w.reminders, settings: w.core.settings } },
        before,
        await updateSettings(w.core, a.actor, input),
      );
    };
    await save({ reminders: { schedule: [{ days: -10 }, { days: 5 }] } });
    expect((await rawItem(a.actor.accountId, inv.id)).gsi8sk).toMatch(/^2026-08-10#/);
    // The record again (the stream retries a batch that failed after this one): the same keys.
    await w.reminders.rekeyAccount(a.actor.accountId, [-10, 5]);
    expect((await rawItem(a.actor.accountId, inv.id)).gsi8sk).toMatch(/^2026-08-10#/);
    await save({ reminders: { enabled: false } });
    expect((await rawItem(a.actor.accountId, inv.id)).gsi8pk).toBeUndefined();
    w.setNow(new Date('2026-08-25T15:00:00Z'));
    await run();
    expect(mailsFor(inv)).toHaveLength(0);
    await save({ reminders: { enabled: true } });
    await run();
    // Both steps have come while reminders were off: only the latest goes out.
    expect((await w.reminders.list(a.actor.accountId, inv.id)).map((r) => r.step)).toEqual([5]);
  });

  test('a re-key writes every open invoice, even one whose stored plan already matches (the status index may show it a moment old)', async () => {
    w.setNow(new Date('2026-09-01T12:00:00Z'));
    const a = await reminderAccount(w);
    const inv = await openInvoice(w, a, '2026-09-20');
    const key = keys.invoice(a.actor.accountId, inv.id);
    const plan = (await rawItem(a.actor.accountId, inv.id)).reminderPlan as number[];
    // The plan on the item, its index keys gone: what a reader of a stale index row cannot tell apart.
    await w.db.send(new UpdateCommand({ TableName: tableName, Key: key, UpdateExpression: 'REMOVE gsi8pk, gsi8sk' }));
    await w.reminders.rekeyAccount(a.actor.accountId, plan);
    expect((await rawItem(a.actor.accountId, inv.id)).gsi8sk).toMatch(/^2026-09-17#/);
  });
});
