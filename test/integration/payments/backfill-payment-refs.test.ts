import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { documentClient } from '../../../functions/dynamodb/client.js';
import { keys } from '../../../functions/dynamodb/keys.js';
import { runBackfill } from '../../../functions/backfills/backfill-runner.js';
import { paymentRefsBackfill } from '../../../functions/backfills/payment-refs.backfill.js';
import { client, startStack, uniqueAccount, type Stack } from '../../support/local-stack.js';

/**
 * Payments stored before the id references existed: recorded as today, then their reference
 * deleted, which is what an old item looks like. The backfill makes them reachable by id again,
 * twice over changes nothing, and resumes from a cursor.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

test('old payments get their id reference; a second run and a resumed run write nothing twice', async () => {
  const account = uniqueAccount();
  const api = client(stack.baseUrl, await stack.token(account));
  const contact = (await api('POST', '/contacts', { firstName: 'Old' })).body.id;
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const d = (await api('POST', '/invoices', { contacts: [contact], lineItems: [{ name: 'W', unitPrice: 1_000 }] }))
      .body;
    await api('POST', `/invoices/${d.id}/finalize`);
    ids.push(
      (await api('POST', `/invoices/${d.id}/payments`, { amount: 1_000, paidAt: '2026-01-02', method: 'cash' })).body
        .id,
    );
  }
  const db = documentClient({ tableName: stack.tableName, endpoint: stack.endpoint, region: 'us-east-1' });
  for (const id of ids)
    await db.send(new DeleteCommand({ TableName: stack.tableName, Key: keys.paymentRef(account, id) }));
  expect((await api('POST', `/payments/${ids[0]}/void`)).status).toBe(404);

  // Small pages, stopped after the first: the run resumes from its checkpoint; a second full run writes nothing.
  const ctx = { db, tableName: stack.tableName };
  const first = await runBackfill(ctx, paymentRefsBackfill, { pageSize: 5, shouldStop: () => true });
  expect(first.done).toBe(false);
  const rest = await runBackfill(ctx, paymentRefsBackfill, { pageSize: 5 });
  expect(rest.done).toBe(true);
  expect(rest.changed).toBe(3);
  expect((await runBackfill(ctx, paymentRefsBackfill, { restart: true })).changed).toBe(0);

  const voided = await api('POST', `/payments/${ids[0]}/void`);
  expect(voided.status).toBe(200);
  expect(voided.body).toMatchObject({ status: 'voided', invoice: { status: 'open', totals: { balanceDue: 1_000 } } });
});
