import { describe, expect, test } from 'vitest';
import {
  flagPastDueInvoices,
  FURTHEST_AHEAD_ZONE,
  type FlagPastDueDeps,
} from '../../../../domain/jobs/flag-past-due.js';
import type { InvoiceStatus } from '../../../../domain/invoices/status-machine.js';
import type { OverdueIndex, OverduePage } from '../../../../domain/ports.js';
import { defaultSettings, type StoredSettings } from '../../../../domain/settings/settings.js';

type Row = {
  accountId: string;
  id: string;
  status: InvoiceStatus;
  pastDue: boolean;
  dueDate: string | null;
  version: number;
  updatedAt: string;
};

/**
 * The past-due index as DynamoDB keeps it: an invoice is in it while it is open, not flagged and
 * has a due date (the sparse gsi2), read in pages in sort-key order; `flag` is one conditional
 * write. Every call yields to the event loop first, so concurrent runs interleave as they would.
 */
class InMemoryOverdueIndex implements OverdueIndex {
  readonly rows = new Map<string, Row>();
  readonly reads: string[] = [];
  /** Called just before a flag's condition is checked: a concurrent writer's change. */
  beforeFlag: ((row: Row) => void) | null = null;
  failOn = new Set<string>();

  constructor(private readonly pageSize = 3) {}

  add(row: Partial<Row> & Pick<Row, 'accountId' | 'id'>): Row {
    const full: Row = {
      status: 'open',
      pastDue: false,
      dueDate: '2026-11-01',
      version: 3,
      updatedAt: '2026-11-01T00:00:00Z',
      ...row,
    };
    this.rows.set(`${full.accountId}#${full.id}`, full);
    return full;
  }

  private inIndex(r: Row): boolean {
    return r.status === 'open' && !r.pastDue && r.dueDate !== null;
  }

  async *read(dueBefore: string): AsyncIterable<OverduePage> {
    this.reads.push(dueBefore);
    await tick();
    const entries = [...this.rows.values()]
      .filter((r) => this.inIndex(r) && r.dueDate! < dueBefore)
      .sort((a, b) => (a.dueDate! < b.dueDate! ? -1 : a.dueDate! > b.dueDate! ? 1 : a.id < b.id ? -1 : 1));
    for (let i = 0; i < entries.length; i += this.pageSize) {
      const page = entries.slice(i, i + this.pageSize);
      yield {
        candidates: page.map((r) => ({ accountId: r.accountId, invoiceId: r.id, dueDate: r.dueDate! })),
        itemsRead: page.length,
      };
      await tick();
    }
  }

  async flag(accountId: string, invoiceId: string, now: string): Promise<boolean> {
    await tick();
    if (this.failOn.has(invoiceId)) throw new Error('throttled');
    const row = this.rows.get(`${accountId}#${invoiceId}`);
    if (row) this.beforeFlag?.(row);
    if (!row || row.status !== 'open' || row.pastDue) return false;
    Object.assign(row, { pastDue: true, version: row.version + 1, updatedAt: now });
    return true;
  }

  get(id: string): Row {
    return [...this.rows.values()].find((r) => r.id === id)!;
  }
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/** Settings by account, counting reads; an account not listed has none stored (the default zone). */
function settingsOf(zones: Record<string, string>) {
  const reads: string[] = [];
  const settings: FlagPastDueDeps['settings'] = {
    async get(accountId: string): Promise<StoredSettings | null> {
      reads.push(accountId);
      await tick();
      const zone = zones[accountId];
      return zone ? { ...defaultSettings(accountId), timeZone: zone, version: 1 } : null;
    },
  };
  return { settings, reads };
}

function setup(zones: Record<string, string> = {}, pageSize = 3) {
  const overdue = new InMemoryOverdueIndex(pageSize);
  const { settings, reads } = settingsOf(zones);
  return { overdue, settingsReads: reads, deps: { overdue, settings } satisfies FlagPastDueDeps };
}

const run = (deps: FlagPastDueDeps, now: string) => flagPastDueInvoices(deps, new Date(now));

describe('flagPastDueInvoices', () => {
  test("past due means before today in the invoice's own account's time zone", async () => {
    // 03:00 UTC on the 28th is 22:00 on the 27th in New York and 04:00 on the 28th in Amsterdam.
    const { overdue, deps } = setup({ acc_ams: 'Europe/Amsterdam' });
    overdue.add({ accountId: 'acc_ny', id: 'inv_ny', dueDate: '2026-11-27' }); // no settings stored: America/New_York
    overdue.add({ accountId: 'acc_ams', id: 'inv_ams', dueDate: '2026-11-27' });

    const result = await run(deps, '2026-11-28T03:00:00Z');

    expect(result).toMatchObject({ itemsRead: 2, flagged: 1, skipped: 1, failed: 0 });
    expect(overdue.get('inv_ams')).toMatchObject({ pastDue: true, version: 4, updatedAt: '2026-11-28T03:00:00Z' });
    expect(overdue.get('inv_ny')).toMatchObject({ pastDue: false, version: 3 });

    // Five hours later it is the 28th in New York too.
    expect(await run(deps, '2026-11-28T08:00:00Z')).toMatchObject({ itemsRead: 1, flagged: 1, skipped: 0 });
    expect(overdue.get('inv_ny').pastDue).toBe(true);
  });

  test('the index is read up to today where it is latest (UTC+14), so it reads nothing due later', async () => {
    const { overdue, deps } = setup({ acc_kir: FURTHEST_AHEAD_ZONE, acc_hnl: 'Pacific/Honolulu' });
    overdue.add({ accountId: 'acc_kir', id: 'inv_kir', dueDate: '2026-11-28' });
    overdue.add({ accountId: 'acc_hnl', id: 'inv_hnl', dueDate: '2026-11-28' });
    overdue.add({ accountId: 'acc_hnl', id: 'inv_later', dueDate: '2026-11-29' });

    // 03:00 UTC on the 28th is already 17:00 on the 28th in Kiritimati: nothing due on the 28th is past due anywhere.
    expect(await run(deps, '2026-11-28T03:00:00Z')).toMatchObject({ itemsRead: 0, flagged: 0, skipped: 0 });
    expect(overdue.reads.at(-1)).toBe('2026-11-28');

    // At 10:00 UTC it is the 29th in Kiritimati (past due there) but still the 28th in Honolulu.
    expect(await run(deps, '2026-11-28T10:00:00Z')).toMatchObject({ itemsRead: 2, flagged: 1, skipped: 1 });
    expect(overdue.reads.at(-1)).toBe('2026-11-29');
    expect(overdue.get('inv_kir').pastDue).toBe(true);
    expect(overdue.get('inv_hnl').pastDue).toBe(false);
    expect(overdue.get('inv_later').pastDue).toBe(false);
  });

  test('only open invoices are flagged: drafts, paid, voided and already flagged ones are not even read', async () => {
    const { overdue, deps } = setup();
    overdue.add({ accountId: 'acc', id: 'inv_open' });
    overdue.add({ accountId: 'acc', id: 'inv_draft', status: 'draft' });
    overdue.add({ accountId: 'acc', id: 'inv_paid', status: 'paid' });
    overdue.add({ accountId: 'acc', id: 'inv_void', status: 'voided' });
    overdue.add({ accountId: 'acc', id: 'inv_flagged', pastDue: true, version: 7 });
    overdue.add({ accountId: 'acc', id: 'inv_nodue', dueDate: null });

    expect(await run(deps, '2026-11-28T15:00:00Z')).toMatchObject({ itemsRead: 1, flagged: 1, skipped: 0 });
    for (const id of ['inv_draft', 'inv_paid', 'inv_void', 'inv_nodue'])
      expect(overdue.get(id)).toMatchObject({ pastDue: false, version: 3 });
    expect(overdue.get('inv_flagged').version).toBe(7);
  });

  test('a second run flags nothing and changes no version', async () => {
    const { overdue, deps } = setup({ acc_b: 'Asia/Tokyo' });
    for (let i = 0; i < 10; i++)
      overdue.add({
        accountId: i % 2 ? 'acc_a' : 'acc_b',
        id: `inv_${i}`,
        dueDate: `2026-11-${String(10 + i).padStart(2, '0')}`,
      });
    overdue.add({ accountId: 'acc_a', id: 'inv_future', dueDate: '2026-12-30' });

    expect(await run(deps, '2026-11-28T15:00:00Z')).toMatchObject({
      itemsRead: 10,
      flagged: 10,
      skipped: 0,
      failed: 0,
    });
    const versions = [...overdue.rows.values()].map((r) => r.version);
    expect(await run(deps, '2026-11-28T16:00:00Z')).toMatchObject({ itemsRead: 0, flagged: 0, skipped: 0 });
    expect([...overdue.rows.values()].map((r) => r.version)).toEqual(versions);
    expect(overdue.get('inv_future').pastDue).toBe(false);
  });

  test("each account's settings are read once per run", async () => {
    const { overdue, deps, settingsReads } = setup({ acc_a: 'Europe/Amsterdam' }, 2);
    for (let i = 0; i < 12; i++) overdue.add({ accountId: ['acc_a', 'acc_b', 'acc_c'][i % 3]!, id: `inv_${i}` });

    expect(await run(deps, '2026-11-28T15:00:00Z')).toMatchObject({ itemsRead: 12, flagged: 12, accounts: 3 });
    expect(settingsReads.sort()).toEqual(['acc_a', 'acc_b', 'acc_c']);
  });

  test('two concurrent runs flag each invoice once', async () => {
    const { overdue, deps } = setup();
    for (let i = 0; i < 20; i++) overdue.add({ accountId: `acc_${i % 4}`, id: `inv_${i}` });

    const [a, b] = await Promise.all([run(deps, '2026-11-28T15:00:00Z'), run(deps, '2026-11-28T15:00:00Z')]);

    expect(a.flagged + b.flagged).toBe(20);
    expect(a.skipped + b.skipped).toBe(a.itemsRead + b.itemsRead - 20);
    for (const r of overdue.rows.values()) expect(r).toMatchObject({ pastDue: true, version: 4 });
  });

  test('an invoice paid between the read and the flag is skipped, not flagged', async () => {
    const { overdue, deps } = setup();
    overdue.add({ accountId: 'acc', id: 'inv_paid_meanwhile' });
    overdue.add({ accountId: 'acc', id: 'inv_open' });
    overdue.beforeFlag = (row) => {
      if (row.id === 'inv_paid_meanwhile') Object.assign(row, { status: 'paid', version: row.version + 1 });
    };

    expect(await run(deps, '2026-11-28T15:00:00Z')).toMatchObject({ itemsRead: 2, flagged: 1, skipped: 1 });
    expect(overdue.get('inv_paid_meanwhile')).toMatchObject({ status: 'paid', pastDue: false, version: 4 });
  });

  test('a failing entry is counted and left for the next run; the others are flagged', async () => {
    const { overdue, deps } = setup();
    for (let i = 0; i < 5; i++) overdue.add({ accountId: 'acc', id: `inv_${i}` });
    overdue.failOn.add('inv_2');

    const first = await run(deps, '2026-11-28T15:00:00Z');
    expect(first).toMatchObject({ itemsRead: 5, flagged: 4, skipped: 0, failed: 1 });
    expect(String(first.errors[0])).toMatch(/throttled/);

    overdue.failOn.clear();
    expect(await run(deps, '2026-11-28T16:00:00Z')).toMatchObject({ itemsRead: 1, flagged: 1, failed: 0 });
  });
});
