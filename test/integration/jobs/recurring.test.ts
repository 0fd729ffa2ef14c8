import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Actor } from '../../../domain/auth/actor.js';
import type { Company, Contact } from '../../../domain/crm/records.js';
import type { Product } from '../../../domain/crm/sales-records.js';
import { todayIn } from '../../../domain/dates/calendar.js';
import type { Invoice } from '../../../domain/invoices/invoice.js';
import { issueRecurringInvoices, type IssueRecurringDeps } from '../../../domain/jobs/issue-recurring.js';
import type { MailMessage, RecurringStore } from '../../../domain/ports.js';
import type { RecurringCreateRequest } from '../../../domain/recurring/recurring-invoice.js';
import {
  createRecurring,
  endRecurring,
  getRecurring,
  listIssuedInvoices,
  pauseRecurring,
  resumeRecurring,
  upcomingRecurring,
  updateRecurring,
  type RecurringDeps,
} from '../../../domain/recurring/recurring-use-cases.js';
import { DEFAULT_SETTINGS } from '../../../domain/settings/settings.js';
import { documentClient } from '../../../functions/dynamodb/client.js';
import { DynamoInvoiceLinkIndex } from '../../../functions/dynamodb/invoice-links.js';
import { DynamoInvoiceStore } from '../../../functions/dynamodb/invoice-store.js';
import { DynamoLedgerStore } from '../../../functions/dynamodb/ledger-store.js';
import { DynamoRecordStore } from '../../../functions/dynamodb/record-store.js';
import { DynamoRecurringStore } from '../../../functions/dynamodb/recurring-store.js';
import { DynamoSettingsStore } from '../../../functions/dynamodb/settings-store.js';
import { ulidIds } from '../../../functions/wiring.js';
import { dropTable, ensureTable } from '../../../infra/local/dynamodb-local.js';
import { pdfServed, startStreamStack, type StreamStack } from '../../support/stream-stack.js';
import { until } from '../../support/until.js';

/**
 * The recurring invoice job against DynamoDB Local, with a clock the test moves: the job's use of
 * "now" (the run date in the account's zone, the instants it writes) is the only time it sees.
 */

const endpoint = inject('dynamodbEndpoint');
const tableName = `recurring_${randomUUID().slice(0, 8)}`;

/** What one clock-controlled world needs: the stores on one table, a clock, and a mail recorder. */
function world() {
  let current = new Date('2026-01-01T00:00:00Z');
  const clock = { now: () => current };
  const sent: MailMessage[] = [];
  const db = documentClient({ tableName, endpoint, region: 'us-east-1' });
  const invoices = new DynamoInvoiceStore(db, tableName);
  const recurring = new DynamoRecurringStore(db, tableName, invoices);
  const core = {
    invoices,
    settings: new DynamoSettingsStore(db, tableName),
    contacts: new DynamoRecordStore<Contact>(db, tableName, 'contact'),
    companies: new DynamoRecordStore<Company>(db, tableName, 'company'),
    products: new DynamoRecordStore<Product>(db, tableName, 'product'),
    clock,
    ids: ulidIds,
  };
  const deps: RecurringDeps = { ...core, recurring, links: new DynamoInvoiceLinkIndex(db, tableName) };
  const jobDeps = (store: RecurringStore = recurring): IssueRecurringDeps => ({
    ...core,
    ledger: new DynamoLedgerStore(db, tableName, invoices),
    mailer: { send: async (m) => void sent.push(m) },
    publicBaseUrl: 'http://job.test',
    recurring: store,
  });
  return {
    deps,
    jobDeps,
    sent,
    recurring,
    setNow: (d: Date | DateTime) => (current = d instanceof Date ? d : d.toJSDate()),
  };
}

const w = world();
const zone = 'Europe/Amsterdam';

async function account(): Promise<{ actor: Actor; contact: Contact; product: Product }> {
  const accountId = `acc_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await w.deps.settings.save(
    accountId,
    { ...DEFAULT_SETTINGS, timeZone: zone, prefix: 'REC' },
    0,
    '2026-01-01T00:00:00Z',
  );
  const now = '2026-01-01T00:00:00Z';
  const base = { accountId, version: 1, createdAt: now, updatedAt: now };
  const contact = await w.deps.contacts.create({
    ...base,
    id: ulidIds.id('con'),
    kind: 'contact',
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: 'ada@example.com',
    address: null,
  });
  const product = await w.deps.products.create({
    ...base,
    id: ulidIds.id('prod'),
    kind: 'product',
    name: 'Hosting',
    sku: null,
    description: null,
    unitPrice: 4_900,
    taxRate: 21,
  } as Product);
  return { actor: { userId: 'usr_1', accountId, superAdmin: true, permissions: [] }, contact, product };
}

const body = (
  a: { contact: Contact; product: Product },
  schedule: RecurringCreateRequest['schedule'],
  extra: Partial<RecurringCreateRequest> = {},
): RecurringCreateRequest => ({
  name: 'Hosting',
  invoice: { contacts: [a.contact.id], lineItems: [{ productId: a.product.id, quantity: 1 }], paymentTerms: 'net15' },
  schedule,
  autoFinalize: true,
  autoSend: false,
  ...extra,
});

/** An instant at a local wall time in the account's zone. */
const at = (date: string, hour: number) => DateTime.fromISO(`${date}T00:00`, { zone }).plus({ hours: hour });

const issuedBy = async (actor: Actor, id: string): Promise<Invoice[]> =>
  (await listIssuedInvoices(w.deps, actor, id, 100, null)).items;

/**
 * A store whose `get` of one schedule waits until `runs` runs have read it: the worst interleaving
 * of concurrent runs, each deciding to issue from the same read before any writes.
 */
function readTogether(store: RecurringStore, id: string, runs: number): RecurringStore[] {
  let waiting = 0;
  let release!: () => void;
  let gate = new Promise<void>((r) => (release = r));
  const wrapped: RecurringStore = Object.create(store) as RecurringStore;
  wrapped.get = async (accountId, sid) => {
    const s = await store.get(accountId, sid);
    if (sid !== id) return s;
    if (++waiting === runs) {
      waiting = 0;
      const open = release;
      gate = new Promise<void>((r) => (release = r));
      open();
      return s;
    }
    const mine = gate;
    // A run alone (the other found nothing due) must not wait forever.
    await Promise.race([mine, new Promise((r) => setTimeout(r, 500))]);
    return s;
  };
  return Array.from({ length: runs }, () => wrapped);
}

beforeAll(async () => {
  await ensureTable(endpoint, tableName, { stream: false });
});
afterAll(() => dropTable(endpoint, tableName));

describe('the job on a clock the test controls', () => {
  test('a monthly schedule from Jan 31 issues one invoice per month across a year of hourly ticks, two runs at once each tick', async () => {
    const a = await account();
    w.setNow(at('2026-12-15', 12));
    const s = await createRecurring(
      w.deps,
      a.actor,
      body(a, { interval: 'month', every: 1, startDate: '2027-01-31', endDate: null, count: null }),
    );
    const expected = await upcomingRecurring(w.deps, a.actor, s.id, 12);
    expect(expected).toEqual([
      '2027-01-31',
      '2027-02-28',
      '2027-03-31',
      '2027-04-30',
      '2027-05-31',
      '2027-06-30',
      '2027-07-31',
      '2027-08-31',
      '2027-09-30',
      '2027-10-31',
      '2027-11-30',
      '2027-12-31',
    ]);
    // Ticks: the hours around local midnight of each run date (Amsterdam, an hour or two off UTC
    // with DST changes in March and October), noon of it, and 30 random hours of the year. The
    // hours left out change nothing the ticks do not show: no run date comes in them, so the
    // job there reads the index and finds nothing due, as at the random hours.
    const ticks = new Set<number>();
    for (const d of expected) for (const h of [-3, -2, -1, 0, 1, 2, 12]) ticks.add(at(d, h).toMillis());
    const year = at('2027-01-01', 0);
    for (let i = 0; i < 30; i++) ticks.add(year.plus({ hours: Math.floor(Math.random() * 365 * 24) }).toMillis());
    let issued = 0;
    for (const t of [...ticks].sort((x, y) => x - y)) {
      w.setNow(new Date(t));
      const stores = readTogether(w.recurring, s.id, 2);
      const runs = await Promise.all(stores.map((store) => issueRecurringInvoices(w.jobDeps(store), new Date(t))));
      for (const r of runs) expect(r.failed, String(r.errors[0])).toBe(0);
      const now = runs.reduce((n, r) => n + r.issued, 0);
      // Both runs read the schedule before either wrote: one issued, the other lost the claim.
      if (now) expect(runs.map((r) => r.issued).sort()).toEqual([0, 1]);
      issued += now;
      // Issued on its run date in the zone, never before.
      const today = todayIn(zone, new Date(t));
      expect(issued).toBe(expected.filter((d) => d <= today).length);
    }
    const invoices = (await issuedBy(a.actor, s.id)).sort((x, y) => x.invoiceDate.localeCompare(y.invoiceDate));
    expect(invoices.map((i) => i.invoiceDate)).toEqual(expected);
    expect(invoices.map((i) => i.number)).toEqual(expected.map((_, i) => `REC-${1001 + i}`));
    for (const inv of invoices) {
      expect(inv).toMatchObject({ status: 'open', recurringInvoiceId: s.id, paymentTerms: 'net15', currency: 'USD' });
      expect(inv.lineItems).toMatchObject([{ name: 'Hosting', unitPrice: 4_900, taxRate: 21 }]);
      expect(inv.pdf.status).toBe('pending');
    }
    const after = await getRecurring(w.deps, a.actor, s.id);
    expect(after).toMatchObject({ status: 'active', issuedCount: 12, nextRunOn: '2028-01-31', skippedRuns: [] });
  }, 60_000);

  test('none while paused: resuming starts from the next run date on or after that day, never the periods passed', async () => {
    const a = await account();
    w.setNow(at('2027-03-01', 9));
    const s = await createRecurring(
      w.deps,
      a.actor,
      body(a, { interval: 'week', every: 1, startDate: '2027-03-01', endDate: null, count: null }),
    );
    const run = (date: string, hour = 10) => {
      w.setNow(at(date, hour));
      return issueRecurringInvoices(w.jobDeps(), at(date, hour).toJSDate());
    };
    expect((await run('2027-03-01')).issued).toBe(1);
    w.setNow(at('2027-03-02', 8));
    await pauseRecurring(w.deps, a.actor, s.id);
    for (const d of ['2027-03-08', '2027-03-15', '2027-03-22']) expect((await run(d)).issued).toBe(0);
    expect(await issuedBy(a.actor, s.id)).toHaveLength(1);
    // Paused: upcoming shows what resuming today would do.
    w.setNow(at('2027-03-24', 8));
    expect(await upcomingRecurring(w.deps, a.actor, s.id, 2)).toEqual(['2027-03-29', '2027-04-05']);
    const resumed = await resumeRecurring(w.deps, a.actor, s.id);
    expect(resumed).toMatchObject({ status: 'active', nextRunOn: '2027-03-29', skippedRuns: [] });
    expect((await run('2027-03-28')).issued).toBe(0);
    expect((await run('2027-03-29')).issued).toBe(1);
    const dates = (await issuedBy(a.actor, s.id)).map((i) => i.invoiceDate).sort();
    expect(dates).toEqual(['2027-03-01', '2027-03-29']);
  });

  test('none after the end: DELETE ends it, the count ends it, the end date ends it; an ended schedule leaves the index', async () => {
    const a = await account();
    w.setNow(at('2027-05-01', 9));
    const mk = (schedule: RecurringCreateRequest['schedule']) => createRecurring(w.deps, a.actor, body(a, schedule));
    const deleted = await mk({ interval: 'month', every: 1, startDate: '2027-05-01', endDate: null, count: null });
    const counted = await mk({ interval: 'month', every: 1, startDate: '2027-05-01', endDate: null, count: 2 });
    const dated = await mk({
      interval: 'month',
      every: 1,
      startDate: '2027-05-01',
      endDate: '2027-06-15',
      count: null,
    });
    const run = async (date: string) => {
      w.setNow(at(date, 12));
      return issueRecurringInvoices(w.jobDeps(), at(date, 12).toJSDate());
    };
    await run('2027-05-01');
    await endRecurring(w.deps, a.actor, deleted.id);
    for (const d of ['2027-06-01', '2027-07-01', '2027-08-01', '2027-09-01']) await run(d);
    const count = async (id: string) => (await issuedBy(a.actor, id)).length;
    expect([await count(deleted.id), await count(counted.id), await count(dated.id)]).toEqual([1, 2, 2]);
    for (const s of [deleted, counted, dated])
      expect(await getRecurring(w.deps, a.actor, s.id)).toMatchObject({ status: 'ended', nextRunOn: null });
    expect(await upcomingRecurring(w.deps, a.actor, counted.id, 5)).toEqual([]);
    // Off the due index: a run long after reads none of them.
    const due: string[] = [];
    for await (const page of w.recurring.readDue('2099-01-01'))
      due.push(...page.candidates.map((c) => c.id).filter((id) => [deleted.id, counted.id, dated.id].includes(id)));
    expect(due).toEqual([]);
    // Ending twice is no error; editing an ended schedule is a 409.
    await endRecurring(w.deps, a.actor, deleted.id);
    await expect(updateRecurring(w.deps, a.actor, deleted.id, { name: 'x' })).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  test('after an outage the current period is issued once and the missed ones are listed, not issued', async () => {
    const a = await account();
    w.setNow(at('2027-01-05', 9));
    const s = await createRecurring(
      w.deps,
      a.actor,
      body(a, { interval: 'week', every: 1, startDate: '2027-01-05', endDate: null, count: null }),
    );
    w.setNow(at('2027-01-05', 10));
    await issueRecurringInvoices(w.jobDeps(), at('2027-01-05', 10).toJSDate());
    // Down for three weeks; back on a Wednesday. Upcoming already shows what the job will do.
    w.setNow(at('2027-01-27', 3));
    expect(await upcomingRecurring(w.deps, a.actor, s.id, 2)).toEqual(['2027-01-26', '2027-02-02']);
    const r = await issueRecurringInvoices(w.jobDeps(), at('2027-01-27', 3).toJSDate());
    expect(r.issued).toBeGreaterThanOrEqual(1);
    const after = await getRecurring(w.deps, a.actor, s.id);
    expect(after).toMatchObject({
      issuedCount: 2,
      lastRunOn: '2027-01-26',
      nextRunOn: '2027-02-02',
      skippedRuns: ['2027-01-12', '2027-01-19'],
    });
    expect((await issuedBy(a.actor, s.id)).map((i) => i.invoiceDate).sort()).toEqual(['2027-01-05', '2027-01-26']);
  });

  test('a contact deleted since: the run fails visibly (lastError) and issues nothing; fixing the template lets the next run issue', async () => {
    const a = await account();
    const other = await w.deps.contacts.create({ ...a.contact, id: ulidIds.id('con'), firstName: 'Bob' });
    w.setNow(at('2027-02-01', 9));
    const s = await createRecurring(
      w.deps,
      a.actor,
      body(a, { interval: 'month', every: 1, startDate: '2027-02-10', endDate: null, count: null }),
    );
    await w.deps.contacts.remove(a.contact);
    w.setNow(at('2027-02-10', 7));
    const first = await issueRecurringInvoices(w.jobDeps(), at('2027-02-10', 7).toJSDate());
    expect(first.blocked).toBeGreaterThanOrEqual(1);
    const failed = await getRecurring(w.deps, a.actor, s.id);
    expect(failed).toMatchObject({ status: 'active', issuedCount: 0, nextRunOn: '2027-02-10' });
    expect(failed.lastError).toMatchObject({
      runOn: '2027-02-10',
      errors: [{ path: 'invoice.contacts.0', message: expect.stringContaining(a.contact.id) }],
    });
    // The same failure an hour later is not written again (one event per failure, not per hour).
    w.setNow(at('2027-02-10', 8));
    await issueRecurringInvoices(w.jobDeps(), at('2027-02-10', 8).toJSDate());
    expect((await getRecurring(w.deps, a.actor, s.id)).version).toBe(failed.version);
    expect(await issuedBy(a.actor, s.id)).toEqual([]);
    // A deleted product fails it the same way.
    await updateRecurring(w.deps, a.actor, s.id, { invoice: { contacts: [other.id] } });
    await w.deps.products.remove(a.product);
    w.setNow(at('2027-02-10', 9));
    await issueRecurringInvoices(w.jobDeps(), at('2027-02-10', 9).toJSDate());
    expect((await getRecurring(w.deps, a.actor, s.id)).lastError?.errors).toMatchObject([
      { path: 'invoice.lineItems.0.productId' },
    ]);
    // Lines without the product: the next run issues the period, to the new contact.
    await updateRecurring(w.deps, a.actor, s.id, {
      invoice: { lineItems: [{ name: 'Hosting', unitPrice: 5_000, quantity: 1 }] },
    });
    w.setNow(at('2027-02-10', 10));
    await issueRecurringInvoices(w.jobDeps(), at('2027-02-10', 10).toJSDate());
    const [inv] = await issuedBy(a.actor, s.id);
    expect(inv).toMatchObject({ invoiceDate: '2027-02-10', contacts: [other.id], totals: { subtotal: 5_000 } });
    expect(await getRecurring(w.deps, a.actor, s.id)).toMatchObject({ lastError: null, issuedCount: 1 });
  });

  test('autoFinalize false follows the numbering mode (a draft); autoSend emails the contacts once', async () => {
    const a = await account();
    w.setNow(at('2027-04-01', 9));
    const draft = await createRecurring(
      w.deps,
      a.actor,
      body(
        a,
        { interval: 'month', every: 1, startDate: '2027-04-01', endDate: null, count: null },
        {
          autoFinalize: false,
        },
      ),
    );
    const sending = await createRecurring(
      w.deps,
      a.actor,
      body(
        a,
        { interval: 'month', every: 1, startDate: '2027-04-01', endDate: null, count: null },
        {
          autoSend: true,
        },
      ),
    );
    w.setNow(at('2027-04-01', 10));
    const before = w.sent.length;
    const runs = await Promise.all(
      readTogether(w.recurring, sending.id, 2).map((store) =>
        issueRecurringInvoices(w.jobDeps(store), at('2027-04-01', 10).toJSDate()),
      ),
    );
    for (const r of runs) expect(r.failed).toBe(0);
    // One invoice each, though both runs read the sending schedule before either wrote.
    expect([(await issuedBy(a.actor, draft.id)).length, (await issuedBy(a.actor, sending.id)).length]).toEqual([1, 1]);
    const [d] = await issuedBy(a.actor, draft.id);
    expect(d).toMatchObject({ status: 'draft', number: expect.stringMatching(/^REC-/), sentAt: null });
    const [sent] = await issuedBy(a.actor, sending.id);
    expect(sent).toMatchObject({ status: 'open', sentAt: expect.any(String) });
    expect(w.sent.slice(before)).toHaveLength(1);
    expect(w.sent.at(-1)).toMatchObject({ to: 'ada@example.com', subject: `Invoice ${sent!.number}` });
  });

  test('the job reads only the schedules that are due, not the table', async () => {
    const a = await account();
    w.setNow(at('2027-06-01', 9));
    // 30 schedules due much later, 3 paused; none of them is read.
    for (let i = 0; i < 30; i++)
      await createRecurring(
        w.deps,
        a.actor,
        body(a, { interval: 'year', every: 1, startDate: '2040-01-01', endDate: null, count: null }),
      );
    for (let i = 0; i < 3; i++) {
      const p = await createRecurring(
        w.deps,
        a.actor,
        body(a, { interval: 'week', every: 1, startDate: '2027-06-01', endDate: null, count: null }),
      );
      await pauseRecurring(w.deps, a.actor, p.id);
    }
    w.setNow(at('2027-06-01', 10));
    const r = await issueRecurringInvoices(w.jobDeps(), at('2027-06-01', 10).toJSDate());
    // Only what is due from the earlier tests' schedules, each accounted for; none of the 33.
    expect(r.itemsRead).toBe(r.issued + r.skipped + r.blocked + r.ended + r.sendFailed + r.failed);
    expect(r.itemsRead).toBeLessThan(10);
  });
});

describe('over HTTP, with the stream running', () => {
  let s: StreamStack;
  beforeAll(async () => {
    s = await startStreamStack('recurring');
  });
  afterAll(async () => {
    await s?.close();
  });

  test('auto-finalize and auto-send: the job handler issues an open invoice, its PDF and an email; events name the schedule', async () => {
    const product = (await s.api('POST', '/products', { name: 'Support', unitPrice: 12_000 })).body;
    const today = todayIn('America/New_York', new Date());
    const created = await s.api('POST', '/recurring-invoices', {
      name: 'Monthly support',
      invoice: { contacts: [s.contactId], lineItems: [{ productId: product.id }], paymentTerms: 'net30' },
      schedule: { interval: 'month', startDate: today },
      autoSend: true,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      status: 'active',
      nextRunOn: today,
      issuedCount: 0,
      autoFinalize: true,
      autoSend: true,
      schedule: { interval: 'month', every: 1, startDate: today, endDate: null, count: null },
    });
    expect(created.body).not.toHaveProperty('accountId');
    expect(created.headers.get('etag')).toBe('"1"');
    const id = created.body.id as string;
    const upcoming = await s.api('GET', `/recurring-invoices/${id}/upcoming?count=3`);
    expect(upcoming.body.results).toHaveLength(3);
    expect(upcoming.body.results[0]).toBe(today);

    const { handler } = await import('../../../functions/jobs/recurring.handler.js');
    const counts = await handler({ scheduledTime: new Date().toISOString() });
    expect(counts).toMatchObject({ issued: 1, failed: 0 });
    expect((await handler({})).issued).toBe(0);

    const list = await s.api('GET', `/recurring-invoices/${id}/invoices`);
    expect(list.body.results).toHaveLength(1);
    const invoice = list.body.results[0];
    expect(invoice).toMatchObject({
      status: 'open',
      recurringInvoiceId: id,
      invoiceDate: today,
      sentAt: expect.any(String),
    });
    await until('the PDF of the issued invoice', () => pdfServed(s.api, invoice.id));
    const outbox = join(process.env.OUTBOX_DIR!);
    await until(
      'the email in the outbox',
      async () =>
        existsSync(outbox) &&
        readdirSync(outbox).some((f) => readFileSync(join(outbox, f), 'utf8').includes(invoice.number)),
    );
    await until('the recurringInvoice.issued event', async () =>
      s.eventsOf('recurringInvoice.issued').find((e) => e.recurringInvoiceId === id && e.invoiceId === invoice.id),
    );
    await until(
      'invoice.finalized and invoice.sent',
      async () =>
        s.eventsOf('invoice.finalized').some((e) => e.invoiceId === invoice.id) &&
        s.eventsOf('invoice.sent').some((e) => e.invoiceId === invoice.id),
    );
    const after = await s.api('GET', `/recurring-invoices/${id}`);
    expect(after.body).toMatchObject({ issuedCount: 1, lastInvoiceId: invoice.id, lastRunOn: today });
  });

  test('routes: validation as for a draft, PATCH with If-Match, pause, resume, DELETE ends it, and a failed run raises an event', async () => {
    const bad = await s.api('POST', '/recurring-invoices', {
      name: 'x',
      invoice: { contacts: [], lineItems: [] },
      schedule: { interval: 'fortnight', startDate: '2027-13-01' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(
      ['invoice.contacts', 'invoice.lineItems', 'schedule.interval', 'schedule.startDate'].sort(),
    );
    const custom = await s.api('POST', '/recurring-invoices', {
      name: 'x',
      invoice: { contacts: [s.contactId], lineItems: [{ name: 'x', unitPrice: 1 }], paymentTerms: 'custom' },
      schedule: { interval: 'week', startDate: '2030-01-01' },
    });
    expect(custom.status).toBe(422);
    expect(custom.body.errors).toEqual([{ path: 'invoice.dueDate', message: expect.any(String) }]);
    const noProduct = await s.api('POST', '/recurring-invoices', {
      name: 'x',
      invoice: { contacts: [s.contactId], lineItems: [{ productId: 'prod_nope' }] },
      schedule: { interval: 'week', startDate: '2030-01-01' },
    });
    expect(noProduct.body.errors).toEqual([{ path: 'invoice.lineItems.0.productId', message: expect.any(String) }]);
    const past = await s.api('POST', '/recurring-invoices', {
      name: 'x',
      invoice: { contacts: [s.contactId], lineItems: [{ name: 'x', unitPrice: 1 }] },
      schedule: { interval: 'week', startDate: '2020-01-01', endDate: '2020-06-01' },
    });
    expect(past.status).toBe(422);

    const contact = (await s.api('POST', '/contacts', { firstName: 'Temp', email: 't@example.com' })).body;
    const today = todayIn('America/New_York', new Date());
    const created = await s.api('POST', '/recurring-invoices', {
      name: 'Weekly',
      invoice: { contacts: [contact.id], lineItems: [{ name: 'Cleaning', unitPrice: 3_000 }] },
      schedule: { interval: 'week', startDate: '2031-01-06' },
    });
    const id = created.body.id as string;
    const stale = await s.api('PATCH', `/recurring-invoices/${id}`, { name: 'Renamed' }, { 'if-match': '"7"' });
    expect(stale.status).toBe(412);
    const patched = await s.api(
      'PATCH',
      `/recurring-invoices/${id}`,
      { name: 'Renamed', schedule: { startDate: today } },
      { 'if-match': '"1"' },
    );
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Renamed', version: 2, nextRunOn: today });
    const paused = await s.api('POST', `/recurring-invoices/${id}/pause`);
    expect(paused.body).toMatchObject({ status: 'paused', version: 3 });
    const resumed = await s.api('POST', `/recurring-invoices/${id}/resume`);
    expect(resumed.body).toMatchObject({ status: 'active', nextRunOn: today });
    const listed = await s.api('GET', '/recurring-invoices?limit=100');
    expect(listed.body.results.map((r: { id: string }) => r.id)).toContain(id);

    // The contact is deleted: the run records the failure and the stream raises the event.
    expect((await s.api('DELETE', `/contacts/${contact.id}`)).status).toBe(204);
    const { handler } = await import('../../../functions/jobs/recurring.handler.js');
    const counts = await handler({});
    expect(counts.blocked).toBeGreaterThanOrEqual(1);
    const failed = await s.api('GET', `/recurring-invoices/${id}`);
    expect(failed.body.lastError).toMatchObject({ runOn: today, errors: [{ path: 'invoice.contacts.0' }] });
    await until('the recurringInvoice.failed event', async () =>
      s.eventsOf('recurringInvoice.failed').find((e) => e.recurringInvoiceId === id && e.invoiceId === null),
    );

    expect((await s.api('DELETE', `/recurring-invoices/${id}`)).status).toBe(204);
    const ended = await s.api('GET', `/recurring-invoices/${id}`);
    expect(ended.body).toMatchObject({ status: 'ended', nextRunOn: null });
    const refused = await s.api('POST', `/recurring-invoices/${id}/resume`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ status: 409, currentStatus: 'ended' });
    expect((await s.api('GET', `/recurring-invoices/${id}/upcoming`)).body).toEqual({ results: [] });
  });
});
