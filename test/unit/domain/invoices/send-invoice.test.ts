import { beforeEach, expect, test } from 'vitest';
import type { Actor } from '../../../../domain/auth/actor.js';
import { createInvoice, finalizeInvoice } from '../../../../domain/invoices/invoice-use-cases.js';
import { invoiceEditInput } from '../../../../domain/invoices/invoice-input.js';
import { sendInvoice } from '../../../../domain/invoices/send-invoice.js';
import type { MailMessage } from '../../../../domain/ports.js';
import { actorFor, inMemoryDeps, seedContact, type InMemoryDeps } from '../../../support/in-memory.js';

let d: InMemoryDeps;
let me: Actor;
let sent: MailMessage[];

beforeEach(() => {
  d = inMemoryDeps('2026-11-27T15:00:00Z');
  me = actorFor('acc_1');
  sent = [];
});

const deps = () => ({
  ...d.deps,
  mailer: { send: async (m: MailMessage) => void sent.push(m) },
  publicBaseUrl: 'https://invoices.example.com',
});

async function openInvoice() {
  const contact = await seedContact(d, 'acc_1');
  const draft = await createInvoice(
    d.deps,
    me,
    invoiceEditInput.parse({ contacts: [contact], lineItems: [{ name: 'A', unitPrice: 100 }] }),
  );
  return finalizeInvoice(d.deps, me, draft.id);
}

test('a lost version race on sentAt writes again but does not mail again', async () => {
  const open = await openInvoice();
  // Two other writers land between this send's read and its write, twice in a row.
  d.invoices.interleave(
    () => ({ poNumber: 'changed meanwhile' }),
    () => ({ poNumber: 'changed again' }),
  );
  const result = await sendInvoice(deps(), me, open.id, undefined, 'req-1');
  expect(result.sentAt).not.toBeNull();
  expect(result.poNumber).toBe('changed again');
  expect(sent).toHaveLength(1);
  expect(sent[0]!.idempotencyKey).toMatch(new RegExp(`^send-${open.id}-req-1-con_`));
});

test('each send request mails once, under its own key', async () => {
  const open = await openInvoice();
  await sendInvoice(deps(), me, open.id, undefined, 'req-1');
  await sendInvoice(deps(), me, open.id, undefined, 'req-2');
  expect(sent.map((m) => m.idempotencyKey?.split('-').slice(-3, -1).join('-'))).toEqual(['req-1', 'req-2']);
});
