/**
 * The first page of a search as an account grows: at 1,000 and at 100,000 invoices in one
 * account, how many index items the search reads and how long it takes, for
 *   - an indexed filter (status open, due this month, by due date): it should read about one
 *     page (limit + 1) at both sizes, so the items-read ratio 100k/1k is about 1;
 *   - a filter no index narrows (a PO-number token): it reads the bounded page (at most the read
 *     budget, 1,000 items) at both sizes and answers with a cursor.
 * The floor, measured in the same run: raw DynamoDB Queries on the same index partition reading as
 * many items as the search read (in pages of 100, as the search does). Ratios are search latency /
 * floor latency.
 *
 * Env: BENCH_SIZES (default "1000,100000"), BENCH_RUNS (default 15).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { searchInvoices, SEARCH_LIMITS } from '../domain/search/search-invoices.js';
import { documentClient } from '../functions/dynamodb/client.js';
import { DynamoInvoiceSearchIndex } from '../functions/dynamodb/invoice-search-index.js';
import { searchPartition } from '../functions/dynamodb/keys.js';
import { DynamoSettingsStore } from '../functions/dynamodb/settings-store.js';
import { ensureTable, startDynamoLocal } from '../infra/local/dynamodb-local.js';
import { freePort } from '../infra/local/free-port.js';
import { bulkCreateInvoices } from '../test/support/overdue-seed.js';
import { variedInvoices } from '../test/support/search-seed.js';
import { BenchFailure, runBench, type RunningDynamo } from './support/bench-runner.js';

const TABLE = 'bench_search';
const REGION = 'us-east-1';
const LIMIT = 20;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number, d = 2) => x.toFixed(d);

async function main(dynamo: RunningDynamo): Promise<boolean> {
  const sizes = (process.env.BENCH_SIZES ?? '1000,100000').split(',').map(Number);
  const runs = Number(process.env.BENCH_RUNS ?? 15);
  dynamo.current = await startDynamoLocal({ port: await freePort() });
  const endpoint = dynamo.current.endpoint;
  await ensureTable(endpoint, TABLE);
  const db = documentClient({ tableName: TABLE, endpoint, region: REGION });
  const deps = { search: new DynamoInvoiceSearchIndex(db, TABLE), settings: new DynamoSettingsStore(db, TABLE) };

  // "This month" for the seeded data (due dates are spread over 2026).
  const month = process.env.BENCH_MONTH ?? '2026-11';
  const indexed = {
    filterGroups: [
      {
        filters: [
          { propertyName: 'status', operator: 'EQ' as const, value: 'open' },
          { propertyName: 'dueDate', operator: 'BETWEEN' as const, value: `${month}-01`, highValue: `${month}-30` },
        ],
      },
    ],
    sorts: [{ propertyName: 'dueDate', direction: 'ASCENDING' as const }],
  };
  const unindexed = {
    filterGroups: [{ filters: [{ propertyName: 'poNumber', operator: 'CONTAINS_TOKEN' as const, value: '4242' }] }],
  };

  type Row = { size: number; name: string; read: number; results: number; more: boolean; ms: number; floorMs: number };
  const rows: Row[] = [];
  for (const size of sizes) {
    const accountId = `acc_bench_${size}_${randomUUID().slice(0, 6)}`;
    const t = performance.now();
    // Only the invoice items: the search reads nothing else (no slugs, no contact links needed here).
    await bulkCreateInvoices(
      db,
      TABLE,
      variedInvoices(accountId, size, 'S', size),
      16,
      (item) => item.entity === 'invoice',
    );
    console.log(`seeded ${size} invoices in ${fmt((performance.now() - t) / 1000, 1)} s`);
    const actor = { userId: 'usr_bench', accountId, superAdmin: true, permissions: [] };
    for (const [name, query, floorScan] of [
      ['indexed: open, due this month, by due date', indexed, { index: 'status', status: 'open' }],
      ['unindexed: PO number token', unindexed, { index: 'created' }],
    ] as const) {
      const times: number[] = [];
      const floor: number[] = [];
      let last = { items: [] as unknown[], next: null as string | null, itemsRead: 0 };
      for (let r = 0; r < runs; r++) {
        const a = performance.now();
        last = await searchInvoices(deps, actor, { ...query, limit: LIMIT });
        times.push(performance.now() - a);
        const b = performance.now();
        // The floor: raw Queries on the same index partition reading as many items as the search did.
        const index = floorScan.index === 'status' ? 'gsi5' : 'gsi3';
        let got = 0;
        let start: Record<string, unknown> | undefined;
        do {
          const out = await db.send(
            new QueryCommand({
              TableName: TABLE,
              IndexName: index,
              KeyConditionExpression: `${index}pk = :pk`,
              ExpressionAttributeValues: { ':pk': searchPartition(accountId, floorScan as never) },
              Limit: Math.min(100, last.itemsRead - got),
              ExclusiveStartKey: start,
            }),
          );
          got += out.Items?.length ?? 0;
          start = out.LastEvaluatedKey;
        } while (start && got < last.itemsRead);
        floor.push(performance.now() - b);
      }
      rows.push({
        size,
        name,
        read: last.itemsRead,
        results: last.items.length,
        more: last.next !== null,
        ms: median(times),
        floorMs: median(floor),
      });
    }
  }

  console.log(
    `\nfirst page, limit ${LIMIT}, median of ${runs} runs; read budget ${SEARCH_LIMITS.readBudget} items per request`,
  );
  console.log(
    '| filter | invoices | items read | results | more pages | search ms | floor ms (raw Queries, same items) | search / floor |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.name} | ${r.size} | ${r.read} | ${r.results} | ${r.more ? 'yes' : 'no'} | ${fmt(r.ms)} | ${fmt(r.floorMs)} | ${fmt(r.ms / r.floorMs)} |`,
    );
  const ok: boolean[] = [];
  for (const name of new Set(rows.map((r) => r.name))) {
    const [small, big] = rows.filter((r) => r.name === name);
    if (!small || !big) continue;
    console.log(
      `${name}: items read ${big.size}/${small.size} = ${fmt(big.read / small.read)}, latency ratio ${fmt(big.ms / small.ms)}`,
    );
    ok.push(big.read <= SEARCH_LIMITS.readBudget && small.read <= SEARCH_LIMITS.readBudget);
  }
  const indexedRows = rows.filter((r) => r.name.startsWith('indexed'));
  if (indexedRows.some((r) => r.results !== LIMIT))
    throw new BenchFailure('the indexed filter should fill its first page at every size');
  return ok.every(Boolean);
}

await runBench(main);
