/**
 * What the audit chain costs, against DynamoDB Local, beside floors measured in the same run.
 *
 * 1. Finalize throughput with the chain against without it. Both paths are the invoice store's
 *    real `replace` of a draft by its open successor (invoice put conditional on the version, slug,
 *    links and the history entry in one TransactWriteItems). With the chain, that transaction also
 *    puts the chain entry, and the history entry carries its witness (number-series.ts,
 *    chain-end.ts); the first finalize of a process also reads where the chain ends. The floor is the
 *    same call told the draft was already open, so the store does not see an issue and writes
 *    exactly the same items minus the chain's one. One caller, one account (the way one account's
 *    invoices are finalized); the two paths take turns finalize by finalize, each timed on its own
 *    calls, so load from elsewhere on the shared machine falls on both alike; the ratio is the
 *    median of per-round ratios. Target: ratio ≥ 0.8.
 * 2. `GET /audit/verify`'s use case over chains of 1,000 to 10,000 issued invoices (seeded straight
 *    into the table with their chain entries, hashed by the domain's own functions): time per
 *    document should stay flat as the chain grows (linear total), and so should the heap (it reads a
 *    page at a time).
 *
 * Correctness checks (exit 1 if one fails): every finalize with the chain took the next sequence
 * (verify ok, checked = N) and each seeded chain verifies ok with every document checked.
 *
 * Env: BENCH_N (finalizes per phase, default 150), BENCH_ROUNDS (default 5), BENCH_VERIFY_SIZES
 * (comma-separated, default 1000,5000,10000).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { verifyChain } from '../domain/audit/audit-use-cases.js';
import { chainEntry, GENESIS, invoiceChainDocument } from '../domain/audit/chain.js';
import { historyEntry, type Change } from '../domain/audit/history.js';
import { historyPut, witnessing } from '../functions/dynamodb/audit-items.js';
import type { Actor } from '../domain/auth/actor.js';
import { blankDraft, type Invoice } from '../domain/invoices/invoice.js';
import { DEFAULT_SETTINGS } from '../domain/settings/settings.js';
import { DynamoAuditLog } from '../functions/dynamodb/audit-log.js';
import { documentClient } from '../functions/dynamodb/client.js';
import { DynamoInvoiceStore } from '../functions/dynamodb/invoice-store.js';
import { keys } from '../functions/dynamodb/keys.js';
import { DynamoLedgerStore } from '../functions/dynamodb/ledger-store.js';
import { ensureTable, startDynamoLocal } from '../infra/local/dynamodb-local.js';
import { freePort } from '../infra/local/free-port.js';
import { BenchFailure, runBench, type RunningDynamo } from './support/bench-runner.js';

const TABLE = 'bench_audit';
const REGION = 'us-east-1';
const RATIO_FLOOR = 0.8;

const envInt = (name: string): number | undefined => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, not ${raw}`);
  return n;
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const actorOf = (accountId: string): Actor => ({ userId: 'usr_bench', accountId, superAdmin: true, permissions: [] });

function draftIn(accountId: string, now: string): Invoice {
  const draft = blankDraft({
    id: `inv_${Date.now().toString(36)}${randomUUID().replace(/-/g, '').slice(0, 16)}`,
    accountId,
    owner: 'usr_bench',
    slug: randomUUID().replace(/-/g, ''),
    settings: DEFAULT_SETTINGS,
    today: now.slice(0, 10),
    now,
  });
  return {
    ...draft,
    // No contacts: a finalize would also rewrite the contact's invoice link (issued: true) where the
    // floor, told the draft was already open, would not; without them both write the same items.
    contacts: [],
    lineItems: [
      {
        id: 'li_1',
        productId: null,
        name: 'Design work',
        description: 'Landing page, two rounds of revisions',
        quantity: 12.5,
        unitPrice: 9500,
        discount: null,
        taxRate: 8.25,
        amount: 118_750,
        taxAmount: 9_797,
      },
    ],
    totals: { ...draft.totals, subtotal: 118_750, tax: 9_797, total: 128_547, balanceDue: 128_547 },
  };
}

const change = (action: Change['action'], at: string): Change => ({
  actor: { type: 'user', id: 'usr_bench' },
  action,
  at,
});

/** Finalizes one draft; returns the milliseconds the store took. */
async function finalizeOne(store: DynamoInvoiceStore, current: Invoice, chained: boolean): Promise<number> {
  const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const next: Invoice = {
    ...current,
    status: 'open',
    number: current.number ?? `INV-${current.id.slice(-8)}`,
    finalizedAt: at,
    version: current.version + 1,
    updatedAt: at,
  };
  // The floor: the store is told the draft was already open, so it writes the same items without the chain's.
  const previous = chained ? current : { ...current, status: 'open' as const };
  const t0 = performance.now();
  await store.replace(previous, next, change('finalized', at));
  return performance.now() - t0;
}

/**
 * Finalizes the two accounts' drafts in turns (one with the chain, one without, the order
 * alternating), so a burst of load from elsewhere on the machine falls on both paths alike.
 * Returns finalizes per second of each path, from the time spent in its own calls.
 */
async function finalizeInTurns(
  store: DynamoInvoiceStore,
  drafts: { chain: Invoice[]; floor: Invoice[] },
): Promise<{ chain: number; floor: number }> {
  const ms = { chain: 0, floor: 0 };
  for (let i = 0; i < drafts.chain.length; i++) {
    const order = i % 2 === 0 ? (['floor', 'chain'] as const) : (['chain', 'floor'] as const);
    for (const path of order) ms[path] += await finalizeOne(store, drafts[path][i]!, path === 'chain');
  }
  return { chain: drafts.chain.length / (ms.chain / 1000), floor: drafts.floor.length / (ms.floor / 1000) };
}

async function seedDrafts(store: DynamoInvoiceStore, accountId: string, n: number): Promise<Invoice[]> {
  const now = new Date().toISOString();
  const out: Invoice[] = [];
  for (let i = 0; i < n; i++) out.push(await store.create(draftIn(accountId, now), change('created', now)));
  return out;
}

async function batchWrite(db: DynamoDBDocumentClient, items: Record<string, unknown>[]): Promise<void> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < chunks.length) {
        let pending = chunks[next++]!.map((Item) => ({ PutRequest: { Item } }));
        while (pending.length) {
          const res = await db.send(new BatchWriteCommand({ RequestItems: { [TABLE]: pending } }));
          pending = (res.UnprocessedItems?.[TABLE] ?? []) as typeof pending;
        }
      }
    }),
  );
}

/** An account with `n` issued invoices and their chain, written straight into the table. */
async function seedChain(db: DynamoDBDocumentClient, accountId: string, n: number): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  let previous = GENESIS;
  let batch: Record<string, unknown>[] = [];
  for (let i = 1; i <= n; i++) {
    const inv: Invoice = {
      ...draftIn(accountId, now),
      status: 'open',
      number: `INV-${1000 + i}`,
      finalizedAt: now,
      version: 2,
    };
    const entry = chainEntry(invoiceChainDocument(inv), i, previous);
    previous = entry.chain;
    batch.push(
      { ...inv, ...keys.invoice(accountId, inv.id), entity: 'invoice' },
      { ...entry, accountId, ...keys.chainEntry(accountId, i), entity: 'chainEntry' },
      // The finalize's history entry, witnessing the link as the store writes it.
      witnessing(
        historyPut(TABLE, historyEntry(change('finalized', now), { ...inv, status: 'draft' }, inv), inv.version),
        { sequence: i, chain: entry.chain },
      ).Put!.Item!,
    );
    // Written as it goes, so the seed's own memory stays small too.
    if (batch.length >= 2_000) {
      await batchWrite(db, batch);
      batch = [];
    }
  }
  await batchWrite(db, batch);
}

async function main(dynamo: RunningDynamo): Promise<boolean> {
  const N = envInt('BENCH_N') ?? 150;
  const ROUNDS = envInt('BENCH_ROUNDS') ?? 5;
  const SIZES = (process.env.BENCH_VERIFY_SIZES ?? '1000,5000,10000').split(',').map(Number);
  if (!SIZES.every((s) => Number.isInteger(s) && s > 0)) throw new Error('BENCH_VERIFY_SIZES: whole numbers');

  dynamo.current = await startDynamoLocal({ port: await freePort() });
  const endpoint = dynamo.current.endpoint;
  await ensureTable(endpoint, TABLE);
  const db = documentClient({ tableName: TABLE, endpoint, region: REGION });
  const store = new DynamoInvoiceStore(db, TABLE);
  const audit = new DynamoAuditLog(db, TABLE);
  const ledger = new DynamoLedgerStore(db, TABLE, store);
  const clock = { now: () => new Date() };
  console.log(`DynamoDB Local on ${endpoint}; Node ${process.version}; N=${N} finalizes per phase, ${ROUNDS} round(s)`);

  // ---- 1. Finalize throughput, with the chain and without ----
  // Warm-up, untimed: the first phase of a run would otherwise pay for JIT and connection set-up.
  const warm = (n: number) => seedDrafts(store, `acc_${randomUUID().slice(0, 8)}`, n);
  await finalizeInTurns(store, { chain: await warm(30), floor: await warm(30) });
  const ratios: number[] = [];
  const rates = { chain: [] as number[], floor: [] as number[] };
  let ok = true;
  for (let round = 0; round < ROUNDS; round++) {
    const chainAccount = `acc_${randomUUID().slice(0, 8)}`;
    const drafts = {
      chain: await seedDrafts(store, chainAccount, N),
      floor: await seedDrafts(store, `acc_${randomUUID().slice(0, 8)}`, N),
    };
    const got = await finalizeInTurns(store, drafts);
    rates.chain.push(got.chain);
    rates.floor.push(got.floor);
    const v = await verifyChain({ audit, invoices: store, ledger, clock }, actorOf(chainAccount));
    if (!v.ok || v.checked !== N) {
      console.error(`round ${round + 1}: chain after ${N} finalizes: ${JSON.stringify(v)}`);
      ok = false;
    }
    ratios.push(got.chain / got.floor);
    console.log(
      `round ${round + 1}: with chain ${got.chain.toFixed(1)}/s, without ${got.floor.toFixed(1)}/s, ratio ${(got.chain / got.floor).toFixed(2)}`,
    );
  }
  const ratio = median(ratios);
  console.log(
    `finalize, one caller: with chain ${median(rates.chain).toFixed(1)}/s, without ${median(rates.floor).toFixed(1)}/s (medians); ratio ${ratio.toFixed(2)} (target ≥ ${RATIO_FLOOR}) ${ratio >= RATIO_FLOOR ? 'OK' : 'BELOW TARGET'}`,
  );

  // ---- 2. Verify over growing chains ----
  const rows: { n: number; ms: number; usPerDoc: number; heapMb: number }[] = [];
  for (const n of SIZES) {
    const accountId = `acc_${randomUUID().slice(0, 8)}`;
    const tSeed = performance.now();
    await seedChain(db, accountId, n);
    const seedS = (performance.now() - tSeed) / 1000;
    (globalThis as { gc?: () => void }).gc?.();
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 20);
    const t0 = performance.now();
    const v = await verifyChain({ audit, invoices: store, ledger, clock }, actorOf(accountId));
    const ms = performance.now() - t0;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    if (!v.ok || v.checked !== n) {
      console.error(`verify of ${n}: ${JSON.stringify(v)}`);
      ok = false;
    }
    const row = { n, ms, usPerDoc: (ms * 1000) / n, heapMb: (peak - base) / 2 ** 20 };
    rows.push(row);
    console.log(
      `verify ${n} documents: ${(ms / 1000).toFixed(2)} s (${row.usPerDoc.toFixed(0)} µs a document), heap peak +${row.heapMb.toFixed(1)} MB (seeded in ${seedS.toFixed(1)} s)`,
    );
  }
  if (rows.length > 1) {
    const first = rows[0]!;
    const last = rows.at(-1)!;
    console.log(
      `verify per document at ${last.n} against ${first.n}: ×${(last.usPerDoc / first.usPerDoc).toFixed(2)} (flat is linear); heap peak ×${(last.heapMb / Math.max(first.heapMb, 0.1)).toFixed(2)} for ×${last.n / first.n} documents (GC noise aside, flat)`,
    );
  }
  if (!ok) throw new BenchFailure('a chain did not verify: the figures mean nothing');
  return ratio >= RATIO_FLOOR;
}

await runBench(main);
