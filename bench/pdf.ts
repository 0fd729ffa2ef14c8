/**
 * PDFs per second through the renderer path, beside the floor measured in the same run and the
 * same browser, and cold start to first PDF.
 *
 * - path: what the stream handler does per invoice: the shared template (HTML from the invoice),
 *   ChromiumPdfRenderer.render (a reused page: setContent, then Chromium's Page.printToPDF with
 *   page.pdf()'s options, its reply in one piece) and S3DocumentStore.put to a local s3rver (in
 *   this process: its request handling, about 3 ms of CPU a put, counts against the path).
 * - floor: raw `page.pdf()` on one page that already holds the same HTML: Chromium's printing
 *   alone, with nothing of ours around it.
 * - cold start: a fresh Node process importing the renderer, launching Chromium (started beside
 *   the remaining imports, as the renderer function's init does) and storing its first PDF. Both
 *   with a fresh TMPDIR, so @sparticuz/chromium unpacks its binary and fonts as on a Lambda cold
 *   start, and with the binary already unpacked (a process restart on a warm disk).
 *
 * Each is measured one at a time (c=1) and, as the renderer function runs a batch, with
 * RENDER_PAGES (4) at once (c=4): the path ×4 is four workers each doing the whole path on the
 * renderer's shared page pool, so one's S3 put overlaps another's print; the floor ×4 is four
 * loaded pages printing at once. The issue's target compares the path as deployed (×4) with the
 * floor as defined (raw page.pdf one at a time); the ×4/×4 ratio is printed too, so nobody reads
 * concurrency as a faster path. p95 is per PDF, from its start to its stored object.
 *
 * Phases rotate over rounds and medians are reported; each ratio is the median of the per-round
 * ratios. Every PDF must start with %PDF- and the stored object must read back identical, or the
 * run exits 1.
 *
 * Env: BENCH_N (PDFs per phase per round, default 20), BENCH_ROUNDS (default 3), BENCH_COLD=0 to
 * skip the cold starts, BENCH_COLD_ROUNDS (cold starts of each kind, default 3).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { invoiceDocuments } from '../domain/documents/invoice-documents.js';
import { loadInvoiceTemplate } from '../domain/documents/invoice-template.js';
import { startS3Emulator, type S3Emulator } from '../infra/local/s3-emulator.js';
import { sampleCompany, sampleContact, sampleInvoice } from '../test/support/sample-invoice.js';
import { RENDER_PAGES } from '../functions/pdf/render-pages.js';

const ROOT = resolve(import.meta.dirname, '..');
const N = Number(process.env.BENCH_N ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const invoice = sampleInvoice({ language: 'nl', locale: 'nl-NL', currency: 'EUR' });
const parties = { contacts: [sampleContact()], company: sampleCompany() };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;
const isPdf = (b: Uint8Array) => Buffer.from(b.subarray(0, 5)).toString('latin1') === '%PDF-';
const problems: string[] = [];

async function withS3<T>(run: (s3: S3Emulator) => Promise<T>): Promise<T> {
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'test-output', 'bench-s3-'));
  const s3 = await startS3Emulator({ port: 0, dir });
  try {
    return await run(s3);
  } finally {
    await s3.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The child process of a cold start, as the renderer function's init does it: import the renderer,
 * start Chromium (ChromiumPdfRenderer.warm: unpacking and launching beside the remaining imports),
 * import the S3 store, render, put. Prints its timings as JSON.
 */
async function coldChild() {
  await withS3(async (s3) => {
    const t0 = performance.now();
    const { ChromiumPdfRenderer } = await import('../functions/pdf/chromium-renderer.js');
    const renderer = new ChromiumPdfRenderer();
    renderer.warm();
    const { S3DocumentStore } = await import('../functions/s3/s3-document-store.js');
    // As the stream function does before its first batch.
    await loadInvoiceTemplate();
    const t1 = performance.now();
    const store = new S3DocumentStore({ bucket: s3.bucket, region: 'us-east-1', endpoint: s3.endpoint });
    const pdf = await renderer.render(invoiceDocuments.html(invoice, parties), {
      format: invoiceDocuments.format(invoice),
    });
    const t2 = performance.now();
    await store.put(invoiceDocuments.key(invoice), pdf, 'application/pdf');
    const t3 = performance.now();
    await renderer.close();
    process.stdout.write(
      JSON.stringify({ importMs: t1 - t0, firstPdfMs: t2 - t1, putMs: t3 - t2, totalMs: t3 - t0, ok: isPdf(pdf) }),
    );
  });
}

function coldStart(freshTmp: boolean): { importMs: number; firstPdfMs: number; putMs: number; totalMs: number } | null {
  const tmp = freshTmp ? mkdtempSync(join(tmpdir(), 'bench-cold-')) : undefined;
  try {
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/pdf.ts'), '--cold'], {
      cwd: ROOT,
      env: { ...process.env, ...(tmp ? { TMPDIR: tmp } : {}) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const result = JSON.parse(/\{.*\}/s.exec(child.stdout)?.[0] ?? 'null');
    if (!result?.ok) {
      problems.push(`cold start (${freshTmp ? 'fresh /tmp' : 'unpacked'}) failed: ${child.stderr.slice(-500)}`);
      return null;
    }
    return result;
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  await loadInvoiceTemplate();
  const { ChromiumPdfRenderer, launchChromium } = await import('../functions/pdf/chromium-renderer.js');
  const { S3DocumentStore } = await import('../functions/s3/s3-document-store.js');
  await withS3(async (s3) => {
    const browser = await launchChromium();
    const renderer = new ChromiumPdfRenderer(async () => browser);
    const store = new S3DocumentStore({ bucket: s3.bucket, region: 'us-east-1', endpoint: s3.endpoint });
    const format = invoiceDocuments.format(invoice);
    const html = invoiceDocuments.html(invoice, parties);
    let stored = 0;
    /** Where the path's time goes, summed over the timed rounds. */
    const spent = { template: 0, render: 0, put: 0 };
    let timing = false;
    let spentCount = 0;

    const path = async () => {
      const t0 = performance.now();
      const doc = invoiceDocuments.html(invoice, parties);
      const t1 = performance.now();
      const pdf = await renderer.render(doc, { format });
      const t2 = performance.now();
      if (!isPdf(pdf)) problems.push('path: not a PDF');
      await store.put(`bench/${stored++}.pdf`, pdf, 'application/pdf');
      if (timing) {
        spentCount++;
        spent.template += t1 - t0;
        spent.render += t2 - t1;
        spent.put += performance.now() - t2;
      }
      return pdf;
    };
    const floorPage = await browser.newPage();
    await floorPage.setJavaScriptEnabled(false);
    await floorPage.setContent(html, { waitUntil: 'load' });
    const floor = async () => {
      const pdf = await floorPage.pdf({ format, printBackground: true });
      if (!isPdf(pdf)) problems.push('floor: not a PDF');
      return pdf;
    };
    const floorPages = await Promise.all(
      Array.from({ length: RENDER_PAGES }, async () => {
        const page = await browser.newPage();
        await page.setJavaScriptEnabled(false);
        await page.setContent(html, { waitUntil: 'load' });
        return page;
      }),
    );
    let nextFloorPage = 0;
    /** The floor ×4: each concurrent print on its own loaded page. */
    const floorOnPool = async () => {
      const page = floorPages[nextFloorPage++ % floorPages.length]!;
      const pdf = await page.pdf({ format, printBackground: true });
      if (!isPdf(pdf)) problems.push('floor ×4: not a PDF');
      return pdf;
    };

    // Warm both up (first-page costs: font loading, the print pipeline).
    for (let i = 0; i < 3; i++) {
      await path();
      await floor();
    }

    type Phase = 'path' | 'floor' | 'path4' | 'floor4';
    const phases: Record<Phase, { run: () => Promise<unknown>; concurrency: number }> = {
      path: { run: path, concurrency: 1 },
      floor: { run: floor, concurrency: 1 },
      path4: { run: path, concurrency: RENDER_PAGES },
      floor4: { run: floorOnPool, concurrency: RENDER_PAGES },
    };
    const names = Object.keys(phases) as Phase[];
    const perSecond = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Phase, number[]>;
    const latencies = { path: [] as number[], path4: [] as number[] };
    const ratios = { path: [] as number[], path4: [] as number[], path4same: [] as number[] };
    timing = true;
    /** N PDFs with `concurrency` workers; PDFs per second, and each PDF's own time. */
    const time = async (phase: Phase) => {
      const { run, concurrency } = phases[phase];
      let left = N;
      const each: number[] = [];
      const worker = async () => {
        while (left-- > 0) {
          const t = performance.now();
          await run();
          each.push(performance.now() - t);
        }
      };
      const t = performance.now();
      await Promise.all(Array.from({ length: concurrency }, worker));
      return { perSecond: N / ((performance.now() - t) / 1000), each };
    };
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order, so no phase always runs first (or right after a given other).
      const order = names.map((_, i) => names[(i + round) % names.length]!);
      const r = {} as Record<Phase, number>;
      for (const phase of order) {
        const { perSecond: ps, each } = await time(phase);
        r[phase] = ps;
        perSecond[phase].push(ps);
        if (phase === 'path' || phase === 'path4') latencies[phase].push(...each);
      }
      ratios.path.push(r.path / r.floor);
      ratios.path4.push(r.path4 / r.floor);
      ratios.path4same.push(r.path4 / r.floor4);
      console.log(
        `round ${round + 1}: path ${r.path.toFixed(1)} PDF/s, floor ${r.floor.toFixed(1)}, ` +
          `path ×${RENDER_PAGES} ${r.path4.toFixed(1)}, floor ×${RENDER_PAGES} ${r.floor4.toFixed(1)}; ` +
          `ratios ${(r.path / r.floor).toFixed(2)} / ${(r.path4 / r.floor).toFixed(2)} / ${(r.path4 / r.floor4).toFixed(2)}`,
      );
    }

    timing = false;
    // The last stored object reads back byte for byte.
    const last = await path();
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const got = await (
      await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `bench/${stored - 1}.pdf` }))
    ).Body!.transformToByteArray();
    const hash = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    if (hash(got) !== hash(last)) problems.push('the stored PDF does not read back identical');

    await floorPage.close();
    for (const page of floorPages) await page.close();
    await browser.close();
    const ps = (phase: Phase) => median(perSecond[phase]);
    const line = (label: string, phase: Phase) =>
      console.log(`  ${label}: ${ps(phase).toFixed(1)} PDF/s (${(1000 / ps(phase)).toFixed(0)} ms each on average)`);
    console.log(
      `\nSummary (${format}, ${Math.round(last.length / 1024)} KB a PDF, median of ${ROUNDS} rounds of ${N}):`,
    );
    line('path    one at a time (template → Chromium page → S3 put)', 'path');
    line(`path ×${RENDER_PAGES} at once (a renderer batch: ${RENDER_PAGES} pages, puts overlap prints)`, 'path4');
    line('floor   raw page.pdf one at a time, same HTML, same browser', 'floor');
    line(`floor ×${RENDER_PAGES} raw page.pdf on ${RENDER_PAGES} loaded pages at once`, 'floor4');
    console.log(`  ratio path/floor, one at a time:                     ${median(ratios.path).toFixed(2)}`);
    console.log(
      `  ratio path ×${RENDER_PAGES}/floor (the target: the path as the renderer runs it): ${median(ratios.path4).toFixed(2)}`,
    );
    console.log(
      `  ratio path ×${RENDER_PAGES}/floor ×${RENDER_PAGES} (both concurrent):            ${median(ratios.path4same).toFixed(2)}`,
    );
    console.log(
      `  per PDF, start to stored: p50 ${median(latencies.path).toFixed(0)} ms, p95 ${p95(latencies.path).toFixed(0)} ms one at a time; ` +
        `p50 ${median(latencies.path4).toFixed(0)} ms, p95 ${p95(latencies.path4).toFixed(0)} ms ×${RENDER_PAGES}`,
    );
    const each = (ms: number) => (ms / spentCount).toFixed(1);
    console.log(
      `  path per PDF (summed over both path phases, so ×${RENDER_PAGES} waits count): template ${each(spent.template)} ms, render (reused page: setContent, printToPDF) ${each(spent.render)} ms, S3 put ${each(spent.put)} ms`,
    );
  });

  if (process.env.BENCH_COLD !== '0') {
    const coldRounds = Number(process.env.BENCH_COLD_ROUNDS ?? 3);
    console.log(
      `\nCold start to first PDF stored (a fresh Node process: imports with Chromium launching beside them, render, S3 put; median of ${coldRounds}):`,
    );
    for (const fresh of [true, false]) {
      const runs = Array.from({ length: coldRounds }, () => coldStart(fresh)).filter((r) => r !== null);
      if (!runs.length) continue;
      const m = (k: 'importMs' | 'firstPdfMs' | 'putMs' | 'totalMs') => median(runs.map((r) => r[k]));
      console.log(
        `  ${fresh ? 'fresh /tmp (binary and fonts unpacked, as on a Lambda cold start)' : 'binary already unpacked (warm disk)'}: ` +
          `${(m('totalMs') / 1000).toFixed(2)} s (imports ${m('importMs').toFixed(0)} ms, then launch + first PDF ${m('firstPdfMs').toFixed(0)} ms, put ${m('putMs').toFixed(0)} ms; ` +
          `rounds ${runs.map((r) => (r.totalMs / 1000).toFixed(2)).join(', ')} s)`,
      );
    }
  }
  for (const p of problems) console.log(`  ✗ ${p}`);
  if (problems.length) process.exit(1);
}

if (process.argv.includes('--cold')) await coldChild();
else await main();
