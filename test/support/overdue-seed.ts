import { randomUUID } from 'node:crypto';
import { testChange } from './audit-change.js';
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { addDays, toInstant } from '../../domain/dates/calendar.js';
import { blankDraft, type Invoice } from '../../domain/invoices/invoice.js';
import type { InvoiceStore } from '../../domain/ports.js';
import { DEFAULT_SETTINGS } from '../../domain/settings/settings.js';
import { DynamoInvoiceStore } from '../../functions/dynamodb/invoice-store.js';
import { SEARCH_INDEX, keys } from '../../functions/dynamodb/keys.js';

/**
 * Invoices for the past-due job's tests and benchmark, made by the invoice store's own `create` and
 * `replace` (so the items, index keys included, are exactly what the service writes): either sent
 * to DynamoDB one by one (`seedInvoices`), or captured from the store and loaded in bulk
 * (`bulkSeedInvoices`, many times faster on DynamoDB Local).
 *
 * Due dates keep three days from today in UTC on either side, further than any two zones are
 * apart, so whatever the clock says, a "past due" invoice is past due in every zone and a "not yet
 * due" one in none: the job's counts are exact.
 */
export type SeedKind =
  /** open, due three or more days ago: the job must flag it */
  | 'pastDue'
  /** open, due in three or more days */
  | 'notYetDue'
  /** a draft with a past due date */
  | 'draft'
  /** finalized, then paid (a replace, which must take it out of the index), due in the past */
  | 'paid'
  /** finalized, then voided, due in the past */
  | 'voided'
  /** open, due in the past, already flagged */
  | 'flagged';

export type SeedSpec = { accountId: string; kind: SeedKind; dueDate: string };

/**
 * `total` invoices over `accounts`, of which exactly `pastDue` are open and past due; the rest are
 * spread over the other kinds in fixed proportions, the remainder open and not yet due.
 */
export function planSeed(p: { total: number; pastDue: number; accounts: string[]; now: Date }): SeedSpec[] {
  const today = toInstant(p.now).slice(0, 10);
  const past = (i: number) => addDays(today, -3 - (i % 60));
  const future = (i: number) => addDays(today, 3 + (i % 60));
  const rest = p.total - p.pastDue;
  const share = (fraction: number) => Math.floor(rest * fraction);
  const counts: [SeedKind, number][] = [
    ['draft', share(0.4)],
    ['paid', share(0.18)],
    ['voided', share(0.1)],
    ['flagged', share(0.01)],
  ];
  counts.push(['notYetDue', rest - counts.reduce((s, [, n]) => s + n, 0)]);
  counts.unshift(['pastDue', p.pastDue]);
  const specs: SeedSpec[] = [];
  let i = 0;
  for (const [kind, n] of counts) {
    for (let k = 0; k < n; k++, i++) {
      specs.push({
        accountId: p.accounts[i % p.accounts.length]!,
        kind,
        dueDate: kind === 'notYetDue' ? future(i) : past(i),
      });
    }
  }
  return specs;
}

const ID = () => randomUUID().replace(/-/g, '');

function draftFor(spec: SeedSpec, at: string): Invoice {
  const draft = blankDraft({
    id: `inv_${ID()}`,
    accountId: spec.accountId,
    owner: 'usr_seed',
    slug: ID(),
    settings: DEFAULT_SETTINGS,
    today: spec.dueDate,
    now: at,
  });
  return { ...draft, paymentTerms: 'custom', dueDate: spec.dueDate };
}

/** Writes one spec as the service would: a create, then the transitions that lead to its state. */
async function write(store: InvoiceStore, spec: SeedSpec, at: string): Promise<Invoice> {
  const draft = draftFor(spec, at);
  if (spec.kind === 'draft') return store.create(draft, testChange('created', at));
  const open: Invoice = {
    ...draft,
    status: 'open',
    number: `INV-${draft.id.slice(4, 12)}`,
    finalizedAt: at,
    pastDue: spec.kind === 'flagged',
  };
  const created = await store.create(open, testChange('created', at));
  if (spec.kind !== 'paid' && spec.kind !== 'voided') return created;
  const next: Invoice =
    spec.kind === 'paid'
      ? { ...created, status: 'paid', paidAt: at, version: created.version + 1, updatedAt: at }
      : { ...created, status: 'voided', voidedAt: at, version: created.version + 1, updatedAt: at };
  return store.replace(created, next, testChange(spec.kind === 'paid' ? 'paid' : 'voided', at));
}

/** Writes the specs with `concurrency` callers; returns the invoices as stored, in spec order. */
export async function seedInvoices(store: InvoiceStore, specs: SeedSpec[], concurrency = 16): Promise<Invoice[]> {
  const at = toInstant(new Date());
  const out: Invoice[] = new Array(specs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < specs.length) {
        const i = next++;
        out[i] = await write(store, specs[i]!, at);
      }
    }),
  );
  return out;
}

/** The stored items of `invoices` (BatchGetItem, 100 at a time, a few batches at once), by invoice id. */
export async function readItems(
  db: DynamoDBDocumentClient,
  tableName: string,
  invoices: Pick<Invoice, 'accountId' | 'id'>[],
): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  const chunks: (typeof invoices)[] = [];
  for (let i = 0; i < invoices.length; i += 100) chunks.push(invoices.slice(i, i + 100));
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < chunks.length) {
        let pending: Record<string, unknown>[] = chunks[next++]!.map((inv) => keys.invoice(inv.accountId, inv.id));
        while (pending.length) {
          const res = await db.send(
            new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
          );
          for (const item of res.Responses?.[tableName] ?? []) out.set(item.id as string, item);
          pending = (res.UnprocessedKeys?.[tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
        }
      }
    }),
  );
  return out;
}

/**
 * A stand-in for the document client that keeps the final item of every (pk, sk) the store writes
 * instead of sending it (conditions are not checked: the ids are new). Any other request fails, so
 * a store that starts reading or writing differently shows up here rather than seeding wrong data.
 */
export class CapturingClient {
  readonly items = new Map<string, Record<string, unknown>>();

  private keep(item: Record<string, unknown> | undefined) {
    if (!item) throw new Error('a write without an item');
    this.items.set(`${String(item.pk)}\u0000${String(item.sk)}`, item);
  }

  /**
   * An update of the form `SET a = :x, #b = :y` (a number series' counter), applied to the
   * captured item as DynamoDB would.
   */
  private applySet(u: {
    Key?: Record<string, unknown>;
    UpdateExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  }) {
    const assignments = /^SET (.*)$/.exec(u.UpdateExpression ?? '')?.[1]?.split(',');
    if (!u.Key || !assignments) throw new Error(`the seed capture cannot apply ${u.UpdateExpression}`);
    const id = `${String(u.Key.pk)}\u0000${String(u.Key.sk)}`;
    const item = { ...(this.items.get(id) ?? u.Key) };
    for (const a of assignments) {
      const m = /^\s*(#?\w+) = (:\w+)\s*$/.exec(a);
      if (!m) throw new Error(`the seed capture cannot apply ${u.UpdateExpression}`);
      item[u.ExpressionAttributeNames?.[m[1]!] ?? m[1]!] = u.ExpressionAttributeValues?.[m[2]!];
    }
    this.items.set(id, item);
  }

  /**
   * A Query of one partition, of the table or of gsi1, with no other condition (where an account's
   * audit chain ends: functions/dynamodb/chain-end.ts), answered from the captured items.
   */
  private query(q: QueryCommand['input']): Record<string, unknown> {
    const attribute = q.IndexName ? `${q.IndexName}pk` : 'pk';
    const sortKey = q.IndexName ? `${q.IndexName}sk` : 'sk';
    if (q.KeyConditionExpression !== `${attribute} = :pk`)
      throw new Error(`the seed capture cannot query ${q.KeyConditionExpression}`);
    const partition = q.ExpressionAttributeValues?.[':pk'];
    const items = [...this.items.values()]
      .filter((i) => i[attribute] === partition)
      .sort((a, b) => String(a[sortKey]).localeCompare(String(b[sortKey])));
    if (q.ScanIndexForward === false) items.reverse();
    return { Items: items.slice(0, q.Limit ?? items.length) };
  }

  async send(command: unknown): Promise<Record<string, unknown>> {
    if (command instanceof QueryCommand) return this.query(command.input);
    if (command instanceof PutCommand) this.keep(command.input.Item);
    else if (command instanceof GetCommand) {
      const key = command.input.Key as Record<string, unknown>;
      const item = this.items.get(`${String(key.pk)}\u0000${String(key.sk)}`);
      return item ? { Item: item } : {};
    } else if (command instanceof TransactWriteCommand) {
      for (const t of command.input.TransactItems ?? []) {
        if (t.Update) this.applySet(t.Update);
        else if (t.Put) this.keep(t.Put.Item);
        else throw new Error(`the seed capture handles puts and updates, not ${Object.keys(t).join(', ')}`);
      }
    } else throw new Error(`the seed capture does not handle ${(command as object).constructor.name}`);
    return {};
  }
}

/**
 * The same invoices as `seedInvoices`, made by a `DynamoInvoiceStore` whose writes are captured,
 * then loaded with BatchWriteItem (25 items a request, `parallel` requests at once). The table
 * ends up with the items, slug guards included, that the store's own writes would have left.
 */
export async function bulkSeedInvoices(
  db: DynamoDBDocumentClient,
  tableName: string,
  specs: SeedSpec[],
  parallel = 8,
): Promise<Invoice[]> {
  const capture = new CapturingClient();
  const invoices = await seedInvoices(
    new DynamoInvoiceStore(capture as unknown as DynamoDBDocumentClient, tableName),
    specs,
    1,
  );
  // The job reads the past-due index only: leaving the search indexes' keys out spares DynamoDB
  // Local four index writes an item (bench:overdue seeds 20,000 of these).
  const searchKeys = Object.values(SEARCH_INDEX).flatMap((g) => [`${g}pk`, `${g}sk`]);
  const items = [...capture.items.values()].map((item) =>
    Object.fromEntries(Object.entries(item).filter(([k]) => !searchKeys.includes(k))),
  );
  await batchWrite(db, tableName, items, parallel);
  return invoices;
}

export async function batchWrite(
  db: DynamoDBDocumentClient,
  tableName: string,
  items: Record<string, unknown>[],
  parallel: number,
): Promise<void> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < chunks.length) {
        let pending = chunks[next++]!.map((Item) => ({ PutRequest: { Item } }));
        for (let attempt = 0; pending.length; attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1_000, 20 * 2 ** attempt)));
          const res = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
          pending = (res.UnprocessedItems?.[tableName] ?? []) as typeof pending;
        }
      }
    }),
  );
}

/** Any invoices, written as `DynamoInvoiceStore.create` would write them (index keys, slugs, links), in bulk. */
export async function bulkCreateInvoices(
  db: DynamoDBDocumentClient,
  tableName: string,
  invoices: Invoice[],
  parallel = 8,
  only: (item: Record<string, unknown>) => boolean = () => true,
): Promise<void> {
  const capture = new CapturingClient();
  const store = new DynamoInvoiceStore(capture as unknown as DynamoDBDocumentClient, tableName);
  for (const inv of invoices) await store.create(inv, testChange('created', inv.createdAt));
  await batchWrite(db, tableName, [...capture.items.values()].filter(only), parallel);
}
