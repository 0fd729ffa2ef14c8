import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { addDays } from '../../../domain/dates/calendar.js';
import { documentClient } from '../../../functions/dynamodb/client.js';
import { keys } from '../../../functions/dynamodb/keys.js';
import { client, uniqueAccount } from '../../support/local-stack.js';
import { startStreamStack, type StreamStack } from '../../support/stream-stack.js';
import { until } from '../../support/until.js';

/**
 * The reminder routes and every email in the invoice's language, over real HTTP on the local
 * stack (DynamoDB Local, s3rver, the real handlers), with the table's stream running so receipts
 * and `invoice.reminderSent` come as they do in AWS; the mail lands in the outbox as RFC 5322 files.
 */
let s: StreamStack;
let outbox: string;

beforeAll(async () => {
  s = await startStreamStack('reminders');
  outbox = process.env.OUTBOX_DIR!;
});
afterAll(() => s?.close());

type Mail = { to: string; subject: string; text: string; html: string; language: string | undefined };

/** Every message in the outbox, parsed (headers decoded, body parts decoded) by mailparser. */
async function mails(): Promise<Mail[]> {
  if (!existsSync(outbox)) return [];
  return Promise.all(
    readdirSync(outbox)
      .sort()
      .map(async (f) => {
        const m = await simpleParser(readFileSync(join(outbox, f)));
        const to = Array.isArray(m.to) ? m.to[0]!.text : (m.to?.text ?? '');
        const html = typeof m.html === 'string' ? m.html : '';
        return { to, subject: m.subject ?? '', text: m.text ?? '', html, language: html.match(/lang="(\w+)"/)?.[1] };
      }),
  );
}
const mailsAbout = async (slug: string) => (await mails()).filter((m) => m.text.includes(`/i/${slug}`));

async function openInvoice(language: string, locale: string, currency: string) {
  const created = await s.api('POST', '/invoices', {
    contacts: [s.contactId],
    lineItems: [{ name: 'Consulting', unitPrice: 125_000 }],
    paymentTerms: 'net30',
    language,
    locale,
    currency,
  });
  expect(created.status).toBe(201);
  const open = await s.api('POST', `/invoices/${created.body.id}/finalize`);
  expect(open.status).toBe(200);
  return open.body as { id: string; number: string; slug: string; dueDate: string; version: number };
}

describe('POST /invoices/{id}/remind and GET /invoices/{id}/reminders', () => {
  test('sends one now in Dutch, lists it, publishes invoice.reminderSent, and refuses a second the same day', async () => {
    const inv = await openInvoice('nl', 'nl-NL', 'EUR');
    expect((await s.api('GET', `/invoices/${inv.id}/reminders`)).body.results).toEqual([]);
    const sent = await s.api('POST', `/invoices/${inv.id}/remind`);
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({
      invoiceId: inv.id,
      trigger: 'manual',
      step: null,
      recipients: ['ada@example.com'],
      language: 'nl',
      balanceDue: 125_000,
    });
    expect(sent.body.accountId).toBeUndefined();
    expect(sent.body.invoice.lastRemindedAt).toBe(sent.body.sentAt);

    const [dutch] = await mailsAbout(inv.slug);
    expect(dutch!.subject).toMatch(new RegExp(`^Herinnering: factuur ${inv.number} vervalt op `));
    expect(dutch!.text).toContain('Beste Ada Lovelace,');
    expect(dutch!.text).toMatch(/bedrag is €\s1\.250,00\./); // Intl puts a no-break space there
    expect(dutch!.text).toContain(`/i/${inv.slug}/pdf`);
    expect(dutch!.language).toBe('nl');

    const again = await s.api('POST', `/invoices/${inv.id}/remind`);
    expect(again.status).toBe(429);
    expect(again.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(86_000);

    const list = await s.api('GET', `/invoices/${inv.id}/reminders`);
    expect(list.status).toBe(200);
    expect(list.body.results.map((r: { id: string }) => r.id)).toEqual([sent.body.id]);
    await until('invoice.reminderSent', async () =>
      s.eventsOf('invoice.reminderSent').some((e) => e.invoiceId === inv.id && e.data.reminderId === sent.body.id),
    );
    // The claim bumped the version, but that is no `invoice.updated`: the reminder has its own event.
    expect(s.eventsOf('invoice.updated').filter((e) => e.invoiceId === inv.id)).toEqual([]);
  });

  test('refused for drafts (409), paused invoices (409) and another account (404)', async () => {
    const draft = await s.api('POST', '/invoices', {
      contacts: [s.contactId],
      lineItems: [{ name: 'A', unitPrice: 100 }],
    });
    const onDraft = await s.api('POST', `/invoices/${draft.body.id}/remind`);
    expect(onDraft.status).toBe(409);
    expect(onDraft.body.currentStatus).toBe('draft');

    const inv = await openInvoice('en', 'en-US', 'USD');
    const paused = await s.api('PATCH', `/invoices/${inv.id}`, { remindersPaused: true });
    expect(paused.status).toBe(200);
    expect(paused.body.remindersPaused).toBe(true);
    expect(paused.body.nextReminderOn).toBeNull();
    expect((await s.api('POST', `/invoices/${inv.id}/remind`)).status).toBe(409);
    // Anything else in the PATCH of an open invoice is still an edit, refused.
    expect((await s.api('PATCH', `/invoices/${inv.id}`, { remindersPaused: false, poNumber: 'X' })).status).toBe(409);

    const other = client(s.stack.baseUrl, await s.stack.token(uniqueAccount()));
    expect((await other('GET', `/invoices/${inv.id}/reminders`)).status).toBe(404);
    expect((await other('POST', `/invoices/${inv.id}/remind`)).status).toBe(404);
  });
});

describe('the reminder settings', () => {
  test('a save answers at once; the stream then moves the open invoices in the reminders index, and out of it', async () => {
    const inv = await openInvoice('en', 'en-US', 'USD');
    const db = documentClient({ tableName: s.stack.tableName, endpoint: s.stack.endpoint, region: 'us-east-1' });
    const indexKeys = async () => {
      const { Item } = await db.send(
        new GetCommand({ TableName: s.stack.tableName, Key: keys.invoice(s.accountId, inv.id), ConsistentRead: true }),
      );
      return { pk: Item!.gsi8pk as string | undefined, sk: Item!.gsi8sk as string | undefined };
    };
    expect((await indexKeys()).pk).toBeUndefined(); // reminders are off by default
    const on = await s.api('PUT', '/settings/invoices', {
      reminders: { enabled: true, schedule: [{ days: 5 }, { days: -10 }] },
    });
    expect(on.status).toBe(200);
    const firstStep = addDays(inv.dueDate, -10);
    await until('the invoice indexed by its first step', async () =>
      (await indexKeys()).sk?.startsWith(`${firstStep}#`),
    );
    expect((await s.api('PUT', '/settings/invoices', { reminders: { enabled: false } })).status).toBe(200);
    await until('the invoice out of the index', async () => (await indexKeys()).pk === undefined);
  });
});

describe('every email in the invoice language', () => {
  test('send, a reminder and the payment receipt of a German invoice are in German', async () => {
    const inv = await openInvoice('de', 'de-DE', 'EUR');
    expect((await s.api('POST', `/invoices/${inv.id}/send`)).status).toBe(200);
    expect((await s.api('POST', `/invoices/${inv.id}/remind`)).status).toBe(201);
    expect((await s.api('POST', `/invoices/${inv.id}/mark-paid`, {})).status).toBe(200);
    // The receipt comes from the stream, when the invoice becomes paid.
    const all = await until('the receipt', async () => {
      const m = await mailsAbout(inv.slug);
      return m.length >= 3 ? m : undefined;
    });
    // The outbox names files by message, not time: found by subject.
    const bySubject = (re: RegExp) => all.filter((m) => re.test(m.subject));
    expect(all).toHaveLength(3);
    const [sendMail] = bySubject(new RegExp(`^Rechnung ${inv.number}$`));
    const [reminderMail] = bySubject(new RegExp(`^Zahlungserinnerung: Rechnung ${inv.number} ist am .+ fällig$`));
    const [receiptMail] = bySubject(new RegExp(`^Zahlungsbestätigung für Rechnung ${inv.number}$`));
    expect(sendMail!.text).toContain('Ihre Rechnung');
    expect(sendMail!.text).toMatch(/über 1\.250,00\s€/);
    expect(reminderMail!.text).toMatch(/Der offene Betrag beträgt 1\.250,00\s€/);
    expect(receiptMail!.text).toMatch(/1\.250,00\s€, bezahlt am \d+\. \w+ \d{4}/);
    expect(all.every((m) => m.language === 'de' && m.text.startsWith('Hallo Ada Lovelace,'))).toBe(true);
    // One receipt for the one time it became paid.
    expect((await mailsAbout(inv.slug)).filter((m) => m.subject.startsWith('Zahlungsbestätigung'))).toHaveLength(1);
  });
});
