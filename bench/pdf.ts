/**
 * PDFs per second through the renderer path, beside the floor measured in the same run and the
 * same browser, and cold start to first PDF.
 *
 * - path: what the stream handler does per invoice: the shared template (HTML from the invoice),
 *   ChromiumPdfRenderer.render (a reused page: setContent, page.pdf) and S3DocumentStore.put
 *   to a local s3rver.
 * - floor: raw `page.pdf()` on one page that already holds the same HTML: Chromium's printing
 *   alone, with nothing of ours around it.
 * - cold start: a fresh Node process importing the renderer, launching Chromium and storing its
 *   first PDF. Twice: with a fresh TMPDIR, so @sparticuz/chromium unpacks its binary and fonts as
 *   on a Lambda cold start, and with the binary already unpacked (a process restart on a warm disk).
 *
 * Renders run one at a time, as in a Lambda instance. Phases alternate over rounds and medians
 * are reported; the ratio is the median of the per-round path/floor ratios. Every PDF must start
 * with %PDF- and the stored object must read back identical, or the run exits 1.
 *
 * Env: BENCH_N (PDFs per phase per round, default 20), BENCH_ROUNDS (default 3), BENCH_COLD=0 to
 * skip the cold starts.
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

const ROOT = resolve(import.meta.dirname, '..');
const N = Number(process.env.BENCH_N ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const invoice = sampleInvoice({ language: 'nl', locale: 'nl-NL', currency: 'EUR' });
const parties = { contacts: [sampleContact()], company: sampleCompany() };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
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

/** The child process of a cold start: import, launch, first PDF stored; prints its timings as JSON. */
async function coldChild() {
  await withS3(async (s3) => {
    const t0 = performance.now();
    const { ChromiumPdfRenderer } = await import('../functions/pdf/chromium-renderer.js');
    const { S3DocumentStore } = await import('../functions/s3/s3-document-store.js');
    // As the stream function does before its first batch.
    await loadInvoiceTemplate();
    const t1 = performance.now();
    const renderer = new ChromiumPdfRenderer();
    const store = new S3DocumentStore({ bucket: s3.bucket, region: 'us-east-1', endpoint: s3.endpoint });
    const pdf = await renderer.render(invoiceDocuments.html(invoice, parties), {
      format: invoiceDocuments.format(invoice),
    });
    await store.put(invoiceDocuments.key(invoice), pdf, 'application/pdf');
    const t2 = performance.now();
    await renderer.close();
    process.stdout.write(JSON.stringify({ importMs: t1 - t0, firstPdfMs: t2 - t1, totalMs: t2 - t0, ok: isPdf(pdf) }));
  });
}

function coldStart(freshTmp: boolean): { importMs: number; firstPdfMs: number; totalMs: number } | null {
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

    const path = async () => {
      const t0 = performance.now();
      const doc = invoiceDocuments.html(invoice, parties);
      const t1 = performance.now();
      const pdf = await renderer.render(doc, { format });
      const t2 = performance.now();
      if (!isPdf(pdf)) problems.push('path: not a PDF');
      await store.put(`bench/${stored++}.pdf`, pdf, 'application/pdf');
      if (timing) {
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

    // Warm both up (first-page costs: font loading, the print pipeline).
    for (let i = 0; i < 3; i++) {
      await path();
      await floor();
    }

    const perSecond = { path: [] as number[], floor: [] as number[], ratio: [] as number[] };
    timing = true;
    const time = async (run: () => Promise<unknown>) => {
      const t = performance.now();
      for (let i = 0; i < N; i++) await run();
      return N / ((performance.now() - t) / 1000);
    };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['path', 'floor'] as const) : (['floor', 'path'] as const);
      const r: Record<'path' | 'floor', number> = { path: 0, floor: 0 };
      for (const phase of order) r[phase] = await time(phase === 'path' ? path : floor);
      perSecond.path.push(r.path);
      perSecond.floor.push(r.floor);
      perSecond.ratio.push(r.path / r.floor);
      console.log(
        `round ${round + 1}: path ${r.path.toFixed(1)} PDF/s, floor ${r.floor.toFixed(1)} PDF/s, ratio ${(r.path / r.floor).toFixed(2)}`,
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
    await browser.close();
    console.log(
      `\nSummary (${format}, ${Math.round(last.length / 1024)} KB a PDF, one at a time, median of ${ROUNDS} rounds of ${N}):`,
    );
    console.log(
      `  path  (template → Chromium page → S3 put): ${median(perSecond.path).toFixed(1)} PDF/s (${(1000 / median(perSecond.path)).toFixed(0)} ms each)`,
    );
    console.log(
      `  floor (raw page.pdf, same HTML, same browser): ${median(perSecond.floor).toFixed(1)} PDF/s (${(1000 / median(perSecond.floor)).toFixed(0)} ms each)`,
    );
    console.log(`  ratio path/floor: ${median(perSecond.ratio).toFixed(2)}`);
    const each = (ms: number) => (ms / (N * ROUNDS)).toFixed(1);
    console.log(
      `  path per PDF: template ${each(spent.template)} ms, render (reused page: setContent, page.pdf) ${each(spent.render)} ms, S3 put ${each(spent.put)} ms`,
    );
  });

  if (process.env.BENCH_COLD !== '0') {
    console.log('\nCold start to first PDF stored (a fresh Node process: import, launch Chromium, render, S3 put):');
    for (const fresh of [true, false]) {
      const r = coldStart(fresh);
      if (r) {
        console.log(
          `  ${fresh ? 'fresh /tmp (binary and fonts unpacked, as on a Lambda cold start)' : 'binary already unpacked (warm disk)'}: ` +
            `${(r.totalMs / 1000).toFixed(2)} s (imports ${r.importMs.toFixed(0)} ms, launch + first PDF + put ${r.firstPdfMs.toFixed(0)} ms)`,
        );
      }
    }
  }
  for (const p of problems) console.log(`  ✗ ${p}`);
  if (problems.length) process.exit(1);
}

if (process.argv.includes('--cold')) await coldChild();
else await main();
