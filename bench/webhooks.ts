/**
 * Webhook deliveries on the local runtime, two figures:
 *
 * 1. Throughput: N deliveries (default 2,000) queued for one endpoint (a receiver on loopback in
 *    this process that answers 200 at once), drained by the real delivery handler through the
 *    local queue poller (16 at once, as the local runtime runs it): each delivery reads its log item and endpoint from
 *    DynamoDB Local (the reads of deliveries in flight coalesced into BatchGetItem requests), signs with standardwebhooks,
 *    POSTs, and appends the attempt to its log item (one conditional UpdateItem). The floor,
 *    measured in the same run just before: N raw HTTP POSTs of the same body to the same receiver
 *    from this process on the same kind of keep-alive agent, 16 and 64 at once (the sender's
 *    socket limit), the faster of the two. The ratio deliveries/s ÷ raw POSTs/s should be at
 *    least 0.5. A second floor, after: the write every delivery must make, alone (the same
 *    conditional list_append on the same log items), 16 at once.
 * 2. Latency: M invoices (default 20) made open (their PDFs rendered), then each marked paid in
 *    turn; the time from sending `mark-paid` to the receiver getting its `invoice.paid` (through the
 *    stream poller at its 100 ms poll, the paid PDF, the fan-out and the delivery), p50 and p95.
 *
 * The table has no stream during phase 1 and gets one (UpdateTable) just before phase 2, the only
 * phase that reads it. Phase 1 makes 3 × N writes (the deliveries, their attempts, the write
 * floor's appends) that nothing reads from a stream, and DynamoDB Local makes every write to a
 * table with a stream slower as its stream records pile up (they are never purged in a run): an
 * emulator artefact (in AWS a stream costs the write path nothing) that would have been measured
 * as the delivery path's cost. Both of phase 1's floors run on that same stream-less table.
 *
 * Every delivery must arrive, verify with standardwebhooks, and be logged as succeeded, or the
 * bench fails. Env: BENCH_DELIVERIES (default 2000), BENCH_PAID (default 20).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { Webhook } from 'standardwebhooks';
import { fanOut } from '../domain/webhooks/webhook-use-cases.js';
import { STREAM_FUNCTION_ENTRY, WEBHOOK_DELIVERY_FUNCTION_ENTRY } from '../infra/routes.js';
import { createApiServer, listen } from '../infra/local/api-server.js';
import { startDeliveryPoller, type DeliveryHandler } from '../infra/local/delivery-poller.js';
import { enableStream, ensureTable, startDynamoLocal } from '../infra/local/dynamodb-local.js';
import { freePort } from '../infra/local/free-port.js';
import { mintToken, newSigningKeys } from '../infra/local/local-auth.js';
import { startS3Emulator } from '../infra/local/s3-emulator.js';
import { startStreamPoller, type StreamHandler } from '../infra/local/stream-poller.js';
import { BenchFailure, runBench, type RunningDynamo } from './support/bench-runner.js';
import { fmt } from './support/report.js';
import { rawPoster } from './support/raw-post.js';
import { SIDE_EFFECT_FILTERS } from '../infra/stream-filters.js';

const TABLE = 'bench_webhooks';
const ROOT = resolve(import.meta.dirname, '..');
const CONCURRENCY = 16;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

async function main(dynamo: RunningDynamo): Promise<boolean> {
  const N = Number(process.env.BENCH_DELIVERIES ?? 2000);
  const M = Number(process.env.BENCH_PAID ?? 20);
  if (!Number.isInteger(N) || N < 1 || !Number.isInteger(M) || M < 1)
    throw new BenchFailure('BENCH_DELIVERIES and BENCH_PAID must be positive whole numbers');
  const work = mkdtempSync(join(tmpdir(), 'bench-webhooks-'));
  try {
    // The receiver: answers 200 at once, remembers what arrived and when.
    const arrivals: { at: number; headers: http.IncomingHttpHeaders; body: string }[] = [];
    let onArrival: (() => void) | undefined;
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/hook')
          arrivals.push({ at: performance.now(), headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        onArrival?.();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const floorUrl = hookUrl.replace('/hook', '/floor');

    dynamo.current = await startDynamoLocal({ port: await freePort() });
    // No stream until phase 2 needs one (see the header).
    await ensureTable(dynamo.current.endpoint, TABLE, { stream: false });
    const s3 = await startS3Emulator({ port: 0, dir: join(work, 's3') });
    const signing = await newSigningKeys();
    const server = createApiServer({ keys: signing, throttle: { rateLimit: 1_000_000, burstLimit: 1_000_000 } });
    const baseUrl = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
    Object.assign(process.env, {
      TABLE_NAME: TABLE,
      DYNAMODB_ENDPOINT: dynamo.current.endpoint,
      AWS_REGION: 'us-east-1',
      PUBLIC_BASE_URL: baseUrl,
      BUCKET_NAME: s3.bucket,
      S3_ENDPOINT: s3.endpoint,
      EVENTS_LOG: join(work, 'events.jsonl'),
      OUTBOX_DIR: join(work, 'outbox'),
      WEBHOOKS_ALLOW_LOOPBACK: '1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    const token = await mintToken(signing, { accountId: 'acc_bench_webhooks', sub: 'usr_bench', role: 'superAdmin' });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(baseUrl + path, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const created = await call('POST', '/webhook-endpoints', { url: hookUrl, events: ['*'] });
    if (created.status !== 201) throw new BenchFailure(`creating the endpoint answered ${created.status}`);
    const secret = created.body.secret as string;
    const endpointId = created.body.id as string;

    // ---- 1. Throughput: queue N deliveries, then time the delivery handler draining them.
    const { app } = await import('../functions/wiring.js');
    const webhooks = (await import('../functions/webhooks/webhook-wiring.js')).webhooks();
    const object = { id: 'inv_bench', status: 'paid', totals: { total: 12_500 }, note: 'x'.repeat(1500) };
    const events = Array.from({ length: N }, (_, i) => ({
      id: `evt_bench_${i}`,
      type: 'invoice.paid',
      accountId: 'acc_bench_webhooks',
      occurredAt: new Date(Date.UTC(2026, 10, 30, 0, 0, 0, i)).toISOString(),
    }));
    const tQueue = performance.now();
    for (let i = 0; i < N; i += 100)
      await fanOut({ ...webhooks, clock: { now: () => new Date() } }, events.slice(i, i + 100), async () => object);
    console.log(
      `queued ${N} deliveries (recorded in the log, on the in-process queue) in ${fmt((performance.now() - tQueue) / 1000)} s`,
    );
    const body = JSON.stringify({ id: 'evt_floor', type: 'invoice.paid', data: { object } });

    // The floor: raw POSTs of a body of the same size, same receiver, same concurrency, same agent kind.
    const rawPost = rawPoster(floorUrl, body);
    const rawFloor = async (concurrency: number) => {
      let next = 0;
      const t = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next++ < N) await rawPost();
        }),
      );
      return N / ((performance.now() - t) / 1000);
    };
    const floor16 = await rawFloor(CONCURRENCY);
    const floor64 = await rawFloor(64);
    const floorPerS = Math.max(floor16, floor64);

    const delivery = (await import(pathToFileURL(resolve(ROOT, WEBHOOK_DELIVERY_FUNCTION_ENTRY)).href)) as {
      handler: DeliveryHandler;
    };
    const allArrived = new Promise<void>((r) => (onArrival = () => arrivals.length >= N && r()));
    const tDeliver = performance.now();
    const deliveryPoller = startDeliveryPoller({ handler: delivery.handler, concurrency: CONCURRENCY });
    await allArrived;
    // Done when the last attempt is recorded and its message deleted, not only when it arrived.
    const { inProcessQueue } = await import('../functions/webhooks/in-process-queue.js');
    while (inProcessQueue().messages.size > 0) await new Promise((r) => setTimeout(r, 1));
    const deliverS = (performance.now() - tDeliver) / 1000;
    const perS = N / deliverS;
    onArrival = undefined;
    const ids = new Set(arrivals.map((a) => String(a.headers['webhook-id'])));
    if (ids.size !== N) throw new BenchFailure(`${ids.size} distinct deliveries arrived, ${N} expected`);
    for (const a of arrivals.slice(0, 50)) new Webhook(secret).verify(a.body, a.headers as Record<string, string>);
    // The log agrees: every delivery succeeded on its first attempt.
    let logged = 0;
    for (let after: string | undefined; ;) {
      const page = await call(
        'GET',
        `/webhook-endpoints/${endpointId}/deliveries?limit=100${after ? `&after=${after}` : ''}`,
      );
      logged += page.body.results.filter((d: any) => d.status === 'succeeded' && d.attempts.length === 1).length;
      after = page.body.paging.next?.after;
      if (!after) break;
    }
    if (logged !== N) throw new BenchFailure(`${logged} deliveries logged as succeeded, ${N} expected`);

    // The write floor: the append every attempt makes (conditional list_append on its log item),
    // done here to the same N items once more, as many at once as deliveries.
    const { QueryCommand, UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const { webhookDeliveryPartition } = await import('../functions/dynamodb/keys.js');
    const logKeys: { pk: string; sk: string }[] = [];
    for (let start: Record<string, unknown> | undefined; ;) {
      const out = await app().db.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': webhookDeliveryPartition('acc_bench_webhooks', endpointId) },
          ProjectionExpression: 'pk, sk',
          ExclusiveStartKey: start,
        }),
      );
      logKeys.push(...((out.Items ?? []) as { pk: string; sk: string }[]));
      start = out.LastEvaluatedKey;
      if (!start) break;
    }
    const attempt = {
      attempt: 2,
      at: new Date().toISOString(),
      statusCode: 200,
      error: null,
      durationMs: 1,
      responseBody: 'ok',
      nextRetryAt: null,
    };
    let nextWrite = 0;
    const tWrite = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = nextWrite++; i < logKeys.length; i = nextWrite++)
          await app().db.send(
            new UpdateCommand({
              TableName: TABLE,
              Key: logKeys[i],
              UpdateExpression:
                'SET attempts = list_append(attempts, :attempt), #status = :status, nextRetryAt = :next, updatedAt = :at',
              ConditionExpression: '#status = :succeeded AND size(attempts) = :count',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':attempt': [attempt],
                ':status': 'succeeded',
                ':next': null,
                ':at': attempt.at,
                ':succeeded': 'succeeded',
                ':count': 1,
              },
            }),
          );
      }),
    );
    const writePerS = logKeys.length / ((performance.now() - tWrite) / 1000);

    // ---- 2. Latency: mark-paid → the receiver has invoice.paid. The stream is turned on now: it
    // carries this phase's writes only.
    await enableStream(dynamo.current.endpoint, TABLE);
    const stream = (await import(pathToFileURL(resolve(ROOT, STREAM_FUNCTION_ENTRY)).href)) as {
      handler: StreamHandler;
    };
    const poller = startStreamPoller({
      filters: SIDE_EFFECT_FILTERS,
      endpoint: dynamo.current.endpoint,
      tableName: TABLE,
      handler: (event: DynamoDBStreamEvent) => stream.handler(event),
      batchSize: 10,
      pollIntervalMs: 100,
      deadLetter: async () => {
        throw new BenchFailure('a stream record was dead-lettered');
      },
    });
    await call('PATCH', `/webhook-endpoints/${endpointId}`, { events: ['invoice.paid'] });
    const contact = (await call('POST', '/contacts', { firstName: 'Ada', email: 'ada@example.com' })).body.id;
    const open: string[] = [];
    for (let i = 0; i < M; i++) {
      const draft = (
        await call('POST', '/invoices', { contacts: [contact], lineItems: [{ name: 'Work', unitPrice: 12_500 }] })
      ).body;
      await call('POST', `/invoices/${draft.id}/finalize`);
      open.push(draft.id);
    }
    const waitFor = async (what: string, probe: () => boolean | Promise<boolean>, ms = 60_000) => {
      const deadline = Date.now() + ms;
      while (!(await probe())) {
        if (Date.now() > deadline) throw new BenchFailure(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    for (const id of open)
      await waitFor(`the PDF of ${id}`, async () => (await call('GET', `/invoices/${id}`)).body.pdf.status === 'ready');
    const latencies: number[] = [];
    for (const id of open) {
      const t0 = performance.now();
      const paid = await call('POST', `/invoices/${id}/mark-paid`, {});
      if (paid.status !== 200) throw new BenchFailure(`mark-paid answered ${paid.status}`);
      const isIt = (a: (typeof arrivals)[number]) =>
        a.body.includes(`"type":"invoice.paid"`) && a.body.includes(`"id":"${id}"`);
      await waitFor(`invoice.paid of ${id}`, () => arrivals.some(isIt));
      latencies.push(arrivals.find(isIt)!.at - t0);
    }
    await poller.stop();
    await deliveryPoller.stop();

    const ratio = perS / floorPerS;
    console.log(`
Deliveries to a receiver on loopback (${N}, ${CONCURRENCY} at once, through the delivery handler):
  deliveries:        ${fmt(perS, 0)} /s (${fmt(deliverS, 2)} s)
  floor (raw POSTs): ${fmt(floorPerS, 0)} /s (${fmt(floor16, 0)} at 16 at once, ${fmt(floor64, 0)} at 64)
  ratio:             ${fmt(ratio, 2)} (want >= 0.5)
  write floor (the conditional append each attempt makes, alone, ${CONCURRENCY} at once on DynamoDB Local): ${fmt(writePerS, 0)} /s; deliveries / write floor: ${fmt(perS / writePerS, 2)}
mark-paid → receiver has invoice.paid (${M} invoices, one at a time; the paid PDF is rendered on the way):
  p50 ${fmt(pct(latencies, 0.5), 0)} ms, p95 ${fmt(pct(latencies, 0.95), 0)} ms, max ${fmt(Math.max(...latencies), 0)} ms`);
    receiver.closeAllConnections();
    receiver.close();
    server.close();
    await s3.stop();
    return ratio >= 0.5;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await runBench(main);
