/**
 * A month-end burst on the local runtime: N invoices (default 2,000) finalized as fast as the API
 * takes them, and the time until every PDF is in S3, against what the render concurrency allows.
 *
 * The service as `npm start` runs it: the local API server with the real handlers, DynamoDB Local
 * and its stream read by the local event source mapping into the stream consumer, which queues
 * render jobs (RENDER_QUEUE=local) drained by the renderer function's own handler through the local
 * FIFO queue poller (RENDER_SETTINGS: batches of 8, 4 pages an instance; --instances invocations at
 * once, default 1: one process, one browser, as one Lambda instance).
 *
 * Setup, not timed: one contact, N drafts (created through the API), the stream caught up with
 * them, and one invoice finalized and rendered so the renderer's browser is warm.
 *
 * The floor, measured in the same run before the burst, with its own browser closed before the
 * burst: raw `page.pdf()` of one of these invoices on a loaded page, one at a time (as in
 * bench/pdf.ts), median ms. The expectation: N × floor ÷ render concurrency (instances × pages).
 * On this machine the pages share two cores with the API, DynamoDB Local and the stream, so four
 * pages are not four times one; the ratio says how close the path comes.
 *
 * Checks (exit 1 if any fails): every finalize answers 200; every invoice's `invoice.finalized`
 * event is published, and all of them were out while PDFs were still rendering (the events did
 * not wait for the renders); every invoice has its PDF object in S3 at the end, none dead-lettered.
 *
 * Flags: --count <n> (default 2000), --connections <n> (finalizes in flight, default 16),
 * --instances <n> (render invocations at once, default 1).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { pdfKey } from '../domain/documents/pdf-key.js';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { invoiceDocuments } from '../domain/documents/invoice-documents.js';
import { loadInvoiceTemplate } from '../domain/documents/invoice-template.js';
import { RENDER_FUNCTION_ENTRY, STREAM_FUNCTION_ENTRY } from '../infra/routes.js';
import { RENDER_SETTINGS } from '../infra/render-settings.js';
import { createApiServer, listen } from '../infra/local/api-server.js';
import { ensureTable, startDynamoLocal } from '../infra/local/dynamodb-local.js';
import { freePort } from '../infra/local/free-port.js';
import { mintToken, newSigningKeys } from '../infra/local/local-auth.js';
import { appendDeadLetter, appendWebhookDeadLetter } from '../infra/local/local-files.js';
import { startRenderPoller } from '../infra/local/render-poller.js';
import { startS3Emulator } from '../infra/local/s3-emulator.js';
import { startStreamPoller, type StreamHandler } from '../infra/local/stream-poller.js';
import { sampleCompany, sampleContact, sampleInvoice } from '../test/support/sample-invoice.js';
import { BenchFailure, runBench, type RunningDynamo } from './support/bench-runner.js';
import { fmt } from './support/report.js';
import { SIDE_EFFECT_FILTERS } from '../infra/stream-filters.js';

const { values: flags } = parseArgs({
  options: {
    count: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '16' },
    instances: { type: 'string', default: '1' },
  },
});
const N = Number(flags.count);
const CONNECTIONS = Number(flags.connections);
const INSTANCES = Number(flags.instances);
if (![N, CONNECTIONS, INSTANCES].every((x) => Number.isInteger(x) && x > 0))
  throw new Error('--count, --connections and --instances must be positive whole numbers');

const TABLE = 'bench_burst';
const ACCOUNT = 'acc_bench_burst';
const ROOT = resolve(import.meta.dirname, '..');
const FLOOR_PDFS = 30;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs `task` over `items` with `limit` in flight. */
async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new BenchFailure(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Raw page.pdf of a loaded invoice page, one at a time: the single-render floor, median ms. */
async function singleRenderFloor(): Promise<number> {
  const { launchChromium } = await import('../functions/pdf/chromium-renderer.js');
  const browser = await launchChromium();
  try {
    await loadInvoiceTemplate();
    const invoice = sampleInvoice();
    const page = await browser.newPage();
    await page.setJavaScriptEnabled(false);
    await page.setContent(invoiceDocuments.html(invoice, { contacts: [sampleContact()], company: sampleCompany() }), {
      waitUntil: 'load',
    });
    const format = invoiceDocuments.format(invoice);
    for (let i = 0; i < 3; i++) await page.pdf({ format, printBackground: true });
    const each: number[] = [];
    for (let i = 0; i < FLOOR_PDFS; i++) {
      const t = performance.now();
      await page.pdf({ format, printBackground: true });
      each.push(performance.now() - t);
    }
    return median(each);
  } finally {
    await browser.close();
  }
}

async function main(dynamo: RunningDynamo): Promise<boolean> {
  const work = mkdtempSync(join(tmpdir(), 'bench-burst-'));
  const problems: string[] = [];
  try {
    dynamo.current = await startDynamoLocal({ port: await freePort() });
    await ensureTable(dynamo.current.endpoint, TABLE);
    const s3 = await startS3Emulator({ port: 0, dir: join(work, 's3') });
    const signing = await newSigningKeys();
    const server = createApiServer({ keys: signing, throttle: { rateLimit: 1_000_000, burstLimit: 1_000_000 } });
    const baseUrl = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
    const eventsLog = join(work, 'events.jsonl');
    Object.assign(process.env, {
      TABLE_NAME: TABLE,
      DYNAMODB_ENDPOINT: dynamo.current.endpoint,
      AWS_REGION: 'us-east-1',
      PUBLIC_BASE_URL: baseUrl,
      BUCKET_NAME: s3.bucket,
      S3_ENDPOINT: s3.endpoint,
      EVENTS_LOG: eventsLog,
      OUTBOX_DIR: join(work, 'outbox'),
      RENDER_QUEUE: 'local',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    const token = await mintToken(signing, { accountId: ACCOUNT, sub: 'usr_bench', role: 'superAdmin' });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(baseUrl + path, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as { id: string } & Record<string, unknown> };
    };

    const floorMs = await singleRenderFloor();
    const pages = INSTANCES * RENDER_SETTINGS.pagesPerInstance;
    console.log(`single-render floor (raw page.pdf, one at a time, median of ${FLOOR_PDFS}): ${fmt(floorMs)} ms`);

    // The service's pipes: stream → stream consumer (events, render jobs) → render queue → renderer.
    const stream = (await import(pathToFileURL(resolve(ROOT, STREAM_FUNCTION_ENTRY)).href)) as {
      handler: StreamHandler;
    };
    const streamPoller = startStreamPoller({
      filters: SIDE_EFFECT_FILTERS,
      endpoint: dynamo.current.endpoint,
      tableName: TABLE,
      handler: (event: DynamoDBStreamEvent) => stream.handler(event),
      pollIntervalMs: 100,
      deadLetter: (record, error) => appendDeadLetter(join(work, 'dead-letters.jsonl'), record, error),
    });
    // Where a render job's time goes: the renderer's own deps (built once per process) timed in place.
    const { documentDeps } = (await import(pathToFileURL(resolve(ROOT, RENDER_FUNCTION_ENTRY)).href)) as {
      documentDeps: () => Record<string, Record<string, unknown>>;
    };
    const spent: Record<string, { ms: number; calls: number }> = {};
    const failed = new Map<string, number>();
    const deps = documentDeps();
    for (const [dep, methods] of [
      ['renderer', ['render']],
      ['documents', ['put']],
      ['pdfRecords', ['get', 'put']],
      ['pdfState', ['markReady']],
      ['contacts', ['get']],
      ['companies', ['get']],
    ] as const) {
      const target = deps[dep]!;
      for (const m of methods) {
        const original = target[m] as (...args: unknown[]) => Promise<unknown>;
        const name = `${dep}.${m}`;
        target[m] = async (...args: unknown[]) => {
          const t = performance.now();
          try {
            return await original.apply(target, args);
          } catch (e) {
            // Failures the renderer retried (or reported): counted, the first of each kind shown.
            const message = `${name}: ${e instanceof Error ? e.message : String(e)}`.slice(0, 160);
            failed.set(message, (failed.get(message) ?? 0) + 1);
            throw e;
          } finally {
            const slot = (spent[name] ??= { ms: 0, calls: 0 });
            slot.ms += performance.now() - t;
            slot.calls++;
          }
        };
      }
    }
    const renderDeadLetters = join(work, 'render-dead-letters.jsonl');
    const renders = await startRenderPoller({
      entry: pathToFileURL(resolve(ROOT, RENDER_FUNCTION_ENTRY)).href,
      instances: INSTANCES,
      deadLetter: (body, receiveCount) => appendWebhookDeadLetter(renderDeadLetters, body, receiveCount),
    });

    // Events published so far, by type, read incrementally from the local bus's file.
    let eventsRead = 0;
    const finalizedEvents = new Set<string>();
    let created = 0;
    const readEvents = () => {
      if (!existsSync(eventsLog)) return;
      const text = readFileSync(eventsLog, 'utf8');
      for (const line of text.slice(eventsRead).split('\n')) {
        if (!line.trim()) continue;
        const e = JSON.parse(line) as { type: string; invoiceId: string };
        if (e.type === 'invoice.finalized') finalizedEvents.add(e.invoiceId);
        if (e.type === 'invoice.created') created++;
      }
      eventsRead = text.lastIndexOf('\n') + 1;
    };

    // ---- Setup: a contact, the drafts, a warm renderer.
    const contact = await call('POST', '/contacts', sampleContactBody());
    if (contact.status !== 201) throw new BenchFailure(`creating the contact answered ${contact.status}`);
    const draft = (i: number) => ({
      contacts: [contact.body.id],
      lineItems: [
        { name: 'Month-end consulting', description: `Engagement ${i}`, quantity: 8, unitPrice: 12_500, taxRate: 21 },
        { name: 'Hosting', quantity: 1, unitPrice: 4_900 },
      ],
    });
    const warm = await call('POST', '/invoices', draft(-1));
    await call('POST', `/invoices/${warm.body.id}/finalize`);
    const ids: string[] = [];
    const tDrafts = performance.now();
    await pool(
      Array.from({ length: N }, (_, i) => i),
      CONNECTIONS,
      async (i) => {
        const res = await call('POST', '/invoices', draft(i));
        if (res.status !== 201) throw new BenchFailure(`creating draft ${i} answered ${res.status}`);
        ids.push(res.body.id);
      },
    );
    await until(
      'the stream to catch up with the drafts and the warm-up PDF',
      () => {
        readEvents();
        return created >= N + 1 && finalizedEvents.has(warm.body.id) && renders.pending() === 0;
      },
      600_000,
    );
    finalizedEvents.clear();
    console.log(
      `setup: ${N} drafts created through the API and passed through the stream in ${fmt((performance.now() - tDrafts) / 1000)} s; renderer warm`,
    );

    // ---- The burst.
    const t0 = performance.now();
    let refused = 0;
    const openVersion = new Map<string, number>();
    await pool(ids, CONNECTIONS, async (id) => {
      const res = await call('POST', `/invoices/${id}/finalize`);
      if (res.status !== 200) refused++;
      else openVersion.set(id, res.body.version as number);
    });
    const tApi = performance.now() - t0;
    if (refused) problems.push(`${refused} finalizes were not answered 200`);
    console.log(`burst: ${N} finalizes taken by the API in ${fmt(tApi / 1000)} s (${fmt(N / (tApi / 1000))}/s)`);

    let tEvents = NaN;
    let pendingAtEvents = NaN;
    let tPdfs = NaN;
    let lastReport = performance.now();
    await until(
      'every PDF',
      () => {
        readEvents();
        const now = performance.now();
        if (Number.isNaN(tEvents) && ids.every((id) => finalizedEvents.has(id))) {
          tEvents = now - t0;
          pendingAtEvents = renders.pending();
        }
        if (now - lastReport > 10_000) {
          lastReport = now;
          console.log(
            `  ${fmt((now - t0) / 1000, 0)} s: ${finalizedEvents.size} finalized events out, ${renders.pending()} render jobs waiting or in flight`,
          );
        }
        // Every job is queued before its invoice's events are published (applySideEffects), so
        // once every event is out an empty queue means every PDF is stored.
        if (!Number.isNaN(tEvents) && renders.pending() === 0) {
          tPdfs = now - t0;
          return true;
        }
        return false;
      },
      Math.max(600_000, N * 2_000),
      50,
    );
    await streamPoller.stop();
    await renders.stop();

    const expectedMs = (N * floorMs) / pages;
    console.log(`\nSummary (${N} invoices, ${CONNECTIONS} finalizes in flight; 2 shared cores, loaded by other work):`);
    console.log(
      `  render concurrency configured: ${INSTANCES} instance(s) × ${RENDER_SETTINGS.pagesPerInstance} pages = ${pages}; batches of ${RENDER_SETTINGS.batchSize}`,
    );
    console.log(
      `  every finalized event out:   ${fmt(tEvents / 1000)} s after the first finalize, with ${pendingAtEvents} of ${N} PDFs still to render`,
    );
    console.log(
      `  every PDF in S3:             ${fmt(tPdfs / 1000)} s after the first finalize (${fmt(N / (tPdfs / 1000))} PDF/s)`,
    );
    console.log(
      `  expected (N × floor ÷ ${pages}):    ${fmt(expectedMs / 1000)} s (${fmt(floorMs)} ms × ${N} ÷ ${pages}); ratio expected/actual ${fmt(expectedMs / tPdfs, 2)}`,
    );
    console.log(
      `  against one page at a time:  ${fmt((N * floorMs) / 1000)} s (N × floor); ratio ${fmt((N * floorMs) / tPdfs, 2)}`,
    );
    console.log(
      `  a render job's calls, mean ms (concurrent, so waits for the CPU count): ${Object.entries(spent)
        .map(([name, { ms, calls }]) => `${name} ${fmt(ms / calls)}`)
        .join(', ')}`,
    );
    console.log(
      `  calls that failed (the renderer retries a job twice in the invocation, then reports it): ${
        failed.size ? [...failed].map(([m, n]) => `${n} × ${m}`).join('; ') : 'none'
      }`,
    );
    // ---- Checks (after the figures, so a failing check still shows them): every PDF object is
    // in S3 under its open version's key; nothing dead-lettered.
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    let missing = 0;
    let firstMissing = '';
    await pool(ids, CONNECTIONS, async (id) => {
      const version = openVersion.get(id);
      const key = version === undefined ? null : pdfKey({ accountId: ACCOUNT, id, version, status: 'open' });
      const found =
        key !== null &&
        (await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key })).then(
          () => true,
          () => false,
        ));
      if (!found) {
        missing++;
        firstMissing ||= id;
      }
    });
    if (missing) problems.push(`${missing} invoices have no PDF in S3 (first: ${firstMissing})`);
    if (existsSync(renderDeadLetters)) problems.push('render jobs were dead-lettered');
    if (existsSync(join(work, 'dead-letters.jsonl'))) problems.push('stream records were dead-lettered');
    const stillRendering = pendingAtEvents > 0;
    if (!stillRendering)
      problems.push('every PDF was stored before the last event was out: nothing shows the events did not wait');
    for (const p of problems) console.log(`  ✗ ${p}`);
    if (!problems.length)
      console.log(`  ✓ every PDF in S3, every event out while ${pendingAtEvents} renders were still queued`);
    return problems.length === 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function sampleContactBody() {
  const c = sampleContact();
  return { firstName: c.firstName, lastName: c.lastName, email: c.email };
}

await runBench(main);
