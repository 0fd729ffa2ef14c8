import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Invoice } from '../../../domain/invoices/invoice.js';
import { sendDueReminders } from '../../../domain/jobs/send-reminders.js';
import { readCheckpoint, runBackfill } from '../../../functions/backfills/backfill-runner.js';
import { BACKFILLS, backfillNamed } from '../../../functions/backfills/backfills.js';
import { keys } from '../../../functions/dynamodb/keys.js';
import { dropTable, ensureTable } from '../../../infra/local/dynamodb-local.js';
import { draftInvoice, openInvoice, reminderAccount, reminderWorld } from '../../support/reminder-world.js';

/**
 * The reminders-index backfill over invoices written the old way (before reminders: no plan, no
 * gsi8 keys), on DynamoDB Local: stopped midway it resumes from its checkpoint, run again it
 * changes nothing, and afterwards the job finds and reminds the old invoices.
 */
const endpoint = inject('dynamodbEndpoint');
const tableName = `backfill_${randomUUID().slice(0, 8)}`;
const w = reminderWorld(endpoint, tableName);
const ctx = { db: w.db, tableName };

beforeAll(() => ensureTable(endpoint, tableName, { stream: false }));
afterAll(() => dropTable(endpoint, tableName));

const raw = async (inv: Invoice) =>
  (
    await w.db.send(
      new GetCommand({ TableName: tableName, Key: keys.invoice(inv.accountId, inv.id), ConsistentRead: true }),
    )
  ).Item!;

/** Rewrites the stored item as the code before reminders wrote it: none of the reminder fields or keys. */
async function writeTheOldWay(inv: Invoice): Promise<void> {
  const { reminderPlan: _p, gsi8pk: _k, gsi8sk: _s, ...old } = await raw(inv);
  await w.db.send(new PutCommand({ TableName: tableName, Item: old }));
}

describe('the reminders-index backfill', () => {
  test('is registered by name', () => {
    expect(BACKFILLS.map((b) => b.name)).toContain('reminders-index');
  });

  test('resumes from its checkpoint, is idempotent, and the job then reminds the old invoices', async () => {
    w.setNow(new Date('2026-09-01T12:00:00Z'));
    const on = await reminderAccount(w);
    const off = await reminderAccount(w, { reminders: { enabled: false, schedule: [{ days: 0 }] } });
    const old = [];
    for (let i = 0; i < 12; i++) old.push(await openInvoice(w, on, '2026-09-10'));
    const oldOff = await openInvoice(w, off, '2026-09-10');
    const draft = await draftInvoice(w, on, '2026-09-10');
    for (const inv of [...old, oldOff]) await writeTheOldWay(inv);
    expect((await raw(old[0]!)).gsi8pk).toBeUndefined();
    expect((await raw(old[0]!)).reminderPlan).toBeUndefined();

    // Before the backfill the job cannot see them.
    w.setNow(new Date('2026-09-10T15:00:00Z'));
    expect((await sendDueReminders(w.deps(), w.now())).sent).toBe(0);

    // A run that stops after two pages (a Lambda out of time, a crash) leaves its checkpoint.
    const backfill = backfillNamed('reminders-index')!;
    const first = await runBackfill(ctx, backfill, { pageSize: 5, shouldStop: (c) => c.pages >= 2 });
    expect(first.done).toBe(false);
    expect(first.pages).toBe(2);
    expect((await readCheckpoint(ctx, 'reminders-index'))!.startKey).not.toBeNull();
    const second = await runBackfill(ctx, backfill, { pageSize: 5 });
    expect(second.done).toBe(true);
    expect(second.changed).toBe(13);

    for (const inv of old) {
      const item = await raw(inv);
      expect(item.reminderPlan).toEqual([-3, 0, 7, 14, 30]);
      expect(item.gsi8sk).toMatch(/^2026-09-07#/);
      expect(item.version).toBe(inv.version); // a derived fact: no new version, no event
    }
    expect((await raw(oldOff)).reminderPlan).toBeNull();
    expect((await raw(oldOff)).gsi8pk).toBeUndefined();
    expect((await raw(draft)).reminderPlan).toBeUndefined();

    // Done: a second run does nothing; a restart re-reads and changes nothing.
    expect(await runBackfill(ctx, backfill, { pageSize: 5 })).toEqual(second);
    const again = await runBackfill(ctx, backfill, { pageSize: 5, restart: true });
    expect(again.done).toBe(true);
    expect(again.changed).toBe(0);

    const result = await sendDueReminders(w.deps(), w.now());
    expect(result.sent).toBe(12);
    expect(new Set(w.sent.map((m) => m.text.match(/\/i\/(\w+)/)![1])).size).toBe(12);
  });
});
