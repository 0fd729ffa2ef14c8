/**
 * Online payments: what the processor's webhook costs, against DynamoDB Local, beside a floor
 * measured in the same run.
 *
 * 1. Webhook-to-paid latency through the stream: a signed `checkout.session.completed` is posted
 *    to the local API server's `POST /webhooks/stripe` (the real handler: signature check, reads,
 *    one transaction), and the clock stops when the real stream handler (read by the local event
 *    source mapping) has published `invoice.paid` for that invoice. One at a time, p50 and p95.
 * 2. Webhook handling throughput against the raw DynamoDB transaction floor: C callers post
 *    signed events for distinct open invoices; the floor is the same callers writing the same
 *    items straight to the table (invoice put conditional on its version, payment, payment-intent
 *    guard, id reference, history entry, event mark: one TransactWriteItems each), without HTTP,
 *    the signature or the reads. Phases alternate in rounds; the ratio is the median of the rounds'
 *    ratios. Target: ratio >= 0.7. The stream poller is stopped for this part.
 *
 * Correctness checks (exit 1 if one fails): every webhook answered 200 and every invoice it named
 * is paid with exactly one payment; every floor transaction succeeded.
 *
 * Env: BENCH_LATENCY_N (default 20), BENCH_N (webhooks per phase per round, default 120),
 * BENCH_ROUNDS (default 3), BENCH_CONCURRENCY (default 8).
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import Stripe from 'stripe';
import { documentClient } from '../functions/dynamodb/client.js';
import { keys } from '../functions/dynamodb/keys.js';
import { DynamoInvoiceStore } from '../functions/dynamodb/invoice-store.js';
import { DynamoOnlinePaymentStore } from '../functions/dynamodb/online-payment-store.js';
import { createApiServer, listen } from '../infra/local/api-server.js';
import { ensureTable, startDynamoLocal } from '../infra/local/dynamodb-local.js';
import { freePort } from '../infra/local/free-port.js';
import { mintToken, newSigningKeys } from '../infra/local/local-auth.js';
import { startPaymentsEmulator } from '../infra/local/payments-emulator.js';
import { startS3Emulator } from '../infra/local/s3-emulator.js';
import { startStreamPoller } from '../infra/local/stream-poller.js';
import { BenchFailure, runBench, type RunningDynamo } from './support/bench-runner.js';
import { SIDE_EFFECT_FILTERS } from '../infra/stream-filters.js';

const TABLE = 'bench_checkout';
const RATIO_FLOOR = 0.7;
const SECRET = 'whsec_bench';
const CONNECTED_ACCOUNT = 'acct_bench';

const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, not ${raw}`);
  return n;
};
const LATENCY_N = envInt('BENCH_LATENCY_N', 20);
const N = envInt('BENCH_N', 120);
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const C = envInt('BENCH_CONCURRENCY', 8);

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const median = (xs: number[]) => quantile(xs, 0.5);

/** Runs `task(i)` for i < n with at most `c` at once. */
async function pool(n: number, c: number, task: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(c, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

type OpenInvoice = { id: string; accountId: string; total: number; currency: string };

async function main(dynamo: RunningDynamo): Promise<boolean> {
  dynamo.current = await startDynamoLocal({ port: await freePort() });
  const endpoint = dynamo.current.endpoint;
  await ensureTable(endpoint, TABLE);
  const dir = mkdtempSync(join(tmpdir(), 'bench-checkout-'));
  const s3 = await startS3Emulator({ port: 0, dir: join(dir, 's3') });
  const keysForTokens = await newSigningKeys();
  const server = createApiServer({ keys: keysForTokens, throttle: { rateLimit: 1e9, burstLimit: 1e9 } });
  const port = await listen(server, 0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  const emulator = await startPaymentsEmulator({ port: 0, webhookSecret: SECRET });
  const eventsLog = join(dir, 'events.jsonl');
  Object.assign(process.env, {
    TABLE_NAME: TABLE,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'us-east-1',
    PUBLIC_BASE_URL: baseUrl,
    BUCKET_NAME: s3.bucket,
    S3_ENDPOINT: s3.endpoint,
    EVENTS_LOG: eventsLog,
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_WEBHOOK_SECRET: SECRET,
    STRIPE_API_BASE: emulator.endpoint,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  console.log(
    `DynamoDB Local on ${endpoint}; Node ${process.version}; latency N=${LATENCY_N}; throughput N=${N} per phase, ${ROUNDS} round(s), ${C} callers`,
  );

  const seedDb = documentClient({ tableName: TABLE, endpoint, region: 'us-east-1' });
  const checkouts = new DynamoOnlinePaymentStore(seedDb, TABLE, new DynamoInvoiceStore(seedDb, TABLE));
  /** Open invoices made through the API, spread over accounts so no one number counter is contended. */
  async function openInvoices(n: number): Promise<OpenInvoice[]> {
    const out: OpenInvoice[] = [];
    const perAccount = 25;
    for (let a = 0; a * perAccount < n; a++) {
      const accountId = `acc_b${randomUUID().replace(/-/g, '').slice(0, 10)}`;
      const token = await mintToken(keysForTokens, { accountId, sub: 'usr_bench', role: 'superAdmin' });
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(baseUrl + path, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        if (res.status >= 300) throw new BenchFailure(`${method} ${path}: ${res.status} ${await res.text()}`);
        return (await res.json()) as { id: string; totals: { total: number }; currency: string };
      };
      const contact = await call('POST', '/contacts', { firstName: 'Bench' });
      const count = Math.min(perAccount, n - a * perAccount);
      await pool(count, 4, async () => {
        const d = await call('POST', '/invoices', {
          contacts: [contact.id],
          lineItems: [{ name: 'W', unitPrice: 10_000 }],
        });
        const o = await call('POST', `/invoices/${d.id}/finalize`);
        // The service counts a payment only from a checkout it opened for the invoice, on the
        // connected account it was opened on: the record `POST /i/{slug}/checkout` keeps.
        await checkouts.saveCheckout({
          accountId,
          invoiceId: o.id,
          checkoutSessionId: sessionFor(o.id),
          connectedAccountId: CONNECTED_ACCOUNT,
          amount: o.totals.total,
          createdAt: new Date().toISOString(),
          status: 'open',
        });
        out.push({ id: o.id, accountId, total: o.totals.total, currency: o.currency });
      });
    }
    return out;
  }

  const sessionFor = (invoiceId: string) => `cs_test_bench_${invoiceId}`;
  let seq = 0;
  /** A signed checkout.session.completed for the invoice, as Stripe would send it. */
  function completedEvent(inv: OpenInvoice): { payload: string; header: string } {
    const n = ++seq;
    const session: Pick<
      Stripe.Checkout.Session,
      | 'id'
      | 'object'
      | 'mode'
      | 'status'
      | 'payment_status'
      | 'amount_total'
      | 'currency'
      | 'metadata'
      | 'payment_intent'
    > = {
      id: sessionFor(inv.id),
      object: 'checkout.session',
      mode: 'payment',
      status: 'complete',
      payment_status: 'paid',
      amount_total: inv.total,
      currency: inv.currency.toLowerCase(),
      metadata: { accountId: inv.accountId, invoiceId: inv.id },
      payment_intent: `pi_bench${n}${randomUUID().slice(0, 8)}`,
    };
    const payload = JSON.stringify({
      id: `evt_bench${n}`,
      object: 'event',
      type: 'checkout.session.completed',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      account: CONNECTED_ACCOUNT,
      data: { object: session },
    });
    return { payload, header: Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }) };
  }
  async function deliver(inv: OpenInvoice): Promise<void> {
    const { payload, header } = completedEvent(inv);
    const res = await fetch(`${baseUrl}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
      body: payload,
    });
    const text = await res.text();
    if (res.status !== 200) throw new BenchFailure(`webhook for ${inv.id}: ${res.status} ${text}`);
  }

  // ---- 1. Webhook to invoice.paid, through the stream ----
  const { handler } = (await import('../functions/stream/invoice-stream.handler.js')) as {
    handler: (e: DynamoDBStreamEvent) => Promise<never>;
  };
  const poller = startStreamPoller({
    filters: SIDE_EFFECT_FILTERS,
    endpoint,
    tableName: TABLE,
    handler,
    pollIntervalMs: 20,
    deadLetter: async () => {},
  });
  const forLatency = await openInvoices(LATENCY_N);
  await poller.drain(); // the open PDFs of the seed are rendered before the clock starts
  const paidIn = (id: string) =>
    existsSync(eventsLog) &&
    readFileSync(eventsLog, 'utf8').includes(`"type":"invoice.paid","accountId"`) &&
    readFileSync(eventsLog, 'utf8')
      .split('\n')
      .some((l) => l.includes(`"invoiceId":"${id}"`) && l.includes('"type":"invoice.paid"'));
  const latencies: number[] = [];
  for (const inv of forLatency) {
    const t0 = performance.now();
    await deliver(inv);
    const deadline = Date.now() + 60_000;
    while (!paidIn(inv.id)) {
      if (Date.now() > deadline) throw new BenchFailure(`invoice.paid for ${inv.id} never came`);
      await new Promise((r) => setTimeout(r, 5));
    }
    latencies.push(performance.now() - t0);
  }
  await poller.stop();
  console.log(
    `webhook → invoice.paid (through the stream, PDF rendering included): p50 ${median(latencies).toFixed(0)} ms, p95 ${quantile(latencies, 0.95).toFixed(0)} ms (n=${latencies.length})`,
  );

  // ---- 2. Throughput: webhooks against the raw transaction floor ----
  const db = documentClient({ tableName: TABLE, endpoint, region: 'us-east-1' });
  const rawStore = await import('../functions/dynamodb/invoice-store.js');
  const invoices = new rawStore.DynamoInvoiceStore(db, TABLE);
  const ratios: number[] = [];
  const checked: OpenInvoice[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const forWebhooks = await openInvoices(N);
    const forFloor = await openInvoices(N);
    const floorInvoices = await Promise.all(forFloor.map((i) => invoices.get(i.accountId, i.id)));
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

    const runFloor = () =>
      pool(N, C, async (i) => {
        const inv = floorInvoices[i]!;
        const pi = `pi_floor${round}_${i}`;
        const paymentId = `pay_floor${round}x${i}`;
        const next = {
          ...inv,
          status: 'paid' as const,
          paidAt: now,
          totals: { ...inv.totals, amountPaid: inv.totals.total, balanceDue: 0 },
          version: inv.version + 1,
          updatedAt: now,
        };
        const payment = {
          id: paymentId,
          accountId: inv.accountId,
          invoiceId: inv.id,
          amount: inv.totals.total,
          entity: 'payment',
        };
        await db.send(
          new TransactWriteCommand({
            TransactItems: [
              invoices.versionedPut(inv, next),
              {
                Put: {
                  TableName: TABLE,
                  Item: { ...payment, ...keys.payment(inv.accountId, inv.id, paymentId) },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  TableName: TABLE,
                  Item: {
                    ...keys.paymentIntent(pi),
                    entity: 'paymentIntent',
                    accountId: inv.accountId,
                    invoiceId: inv.id,
                    paymentId,
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  TableName: TABLE,
                  Item: { ...keys.paymentRef(inv.accountId, paymentId), entity: 'paymentRef', invoiceId: inv.id },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  TableName: TABLE,
                  Item: {
                    ...keys.historyEntry(inv.accountId, inv.id, now, next.version, 'paid'),
                    entity: 'history',
                    changes: [],
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  TableName: TABLE,
                  Item: {
                    ...keys.processorEvent(inv.accountId, inv.id, `evt_floor${round}_${i}`),
                    entity: 'processorEvent',
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ],
          }),
        );
      });
    const runWebhooks = () => pool(N, C, (i) => deliver(forWebhooks[i]!));
    const timed = async (run: () => Promise<void>) => {
      const t = performance.now();
      await run();
      return N / ((performance.now() - t) / 1000);
    };
    // Alternate which goes first: the shared machine drifts within a round.
    let floorRate: number;
    let webhookRate: number;
    if (round % 2) {
      floorRate = await timed(runFloor);
      webhookRate = await timed(runWebhooks);
    } else {
      webhookRate = await timed(runWebhooks);
      floorRate = await timed(runFloor);
    }
    ratios.push(webhookRate / floorRate);
    checked.push(...forWebhooks);
    console.log(
      `round ${round}: webhooks ${webhookRate.toFixed(1)}/s, raw transaction floor ${floorRate.toFixed(1)}/s, ratio ${(webhookRate / floorRate).toFixed(2)}`,
    );
  }

  // Every webhook's invoice is paid, once.
  const payments = await import('../functions/dynamodb/ledger-store.js');
  const ledger = new payments.DynamoLedgerStore(db, TABLE, invoices);
  for (const inv of checked) {
    const [now, list] = await Promise.all([
      invoices.get(inv.accountId, inv.id),
      ledger.payments(inv.accountId, inv.id),
    ]);
    if (now?.status !== 'paid' || list.length !== 1)
      throw new BenchFailure(`${inv.id}: ${now?.status} with ${list.length} payments after its webhook`);
  }
  const ratio = median(ratios);
  console.log(
    `webhook handling throughput vs raw DynamoDB transaction floor: ratio ${ratio.toFixed(2)} (median of ${ROUNDS}; target >= ${RATIO_FLOOR}) ${ratio >= RATIO_FLOOR ? 'OK' : 'BELOW TARGET'}`,
  );
  await emulator.stop();
  await s3.stop();
  server.close();
  return true;
}

await runBench(main);
