import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { OutboxMailer } from '../../../functions/mail/outbox-mailer.js';

const dir = mkdtempSync(join(resolve(import.meta.dirname, '../../../test-output'), 'outbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a message named by an idempotency key is written once, however often it is sent', async () => {
  const mailer = new OutboxMailer(dir, 'invoices@example.com');
  const message = { to: 'ada@example.com', subject: 'Invoice INV-1001', text: 'hi', html: '<p>hi</p>' };
  await Promise.all([
    mailer.send({ ...message, idempotencyKey: 'send-inv_1-req-1-con_1' }),
    mailer.send({ ...message, idempotencyKey: 'send-inv_1-req-1-con_1' }),
  ]);
  await mailer.send({ ...message, idempotencyKey: 'send-inv_1-req-1-con_1' });
  await mailer.send({ ...message, idempotencyKey: 'send-inv_1-req-2-con_1' });
  await mailer.send(message);
  expect(readdirSync(dir).sort()).toEqual(
    expect.arrayContaining(['send-inv_1-req-1-con_1.eml', 'send-inv_1-req-2-con_1.eml']),
  );
  expect(readdirSync(dir)).toHaveLength(3);
});
