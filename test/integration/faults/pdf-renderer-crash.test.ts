import { existsSync, readFileSync } from 'node:fs';
import type { Browser, Target } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { childBrowserPids, observeBrowser } from '../../support/child-browsers.js';
import { pdfServed, startStreamStack, type StreamStack } from '../../support/stream-stack.js';
import { until } from '../../support/until.js';

let s: StreamStack;
beforeAll(async () => {
  s = await startStreamStack('renderer-crash');
});
afterAll(() => s?.close());

const N = 10;

test('Chromium killed mid-batch of finalizes: the record in flight is retried on a new browser, and every finalized invoice gets its PDF', async () => {
  const ids: string[] = [];
  for (let i = 0; i < N; i++) {
    const res = await s.api('POST', '/invoices', {
      contacts: [s.contactId],
      lineItems: [{ name: `Service ${i}`, unitPrice: 10_000 + i }],
    });
    expect(res.status).toBe(201);
    ids.push(res.body.id);
  }
  await Promise.all(ids.map(async (id) => expect((await s.api('POST', `/invoices/${id}/finalize`)).status).toBe(200)));

  // The stream function launches its browser at the first render. Watch it over a second DevTools
  // connection and kill it (SIGKILL, as the OOM killer would) the moment the third document it
  // prints after that is parsed (pages are reused, so documents are counted, not pages): that
  // render is in flight, so its record must fail and be retried.
  const [pid] = await until(
    'the stream function to launch Chromium',
    async () => childBrowserPids().length > 0 && childBrowserPids(),
  );
  const observer: Browser = await observeBrowser(pid!);
  let documents = 0;
  const killed = new Promise<void>((resolveKilled) => {
    const onDocument = () => {
      if (++documents !== 3) return;
      process.kill(pid!, 'SIGKILL');
      resolveKilled();
    };
    const watch = async (target: Target) => {
      if (target.type() === 'page') (await target.page().catch(() => null))?.on('domcontentloaded', onDocument);
    };
    observer.on('targetcreated', (target: Target) => void watch(target));
    for (const target of observer.targets()) void watch(target);
  });
  await killed;
  const killedAt = Date.now();
  await observer.disconnect().catch(() => undefined);

  for (const id of ids) await until(`the PDF of ${id}`, () => pdfServed(s.api, id));
  // The render in flight failed when the browser went away, not at its 30 s timeout.
  expect(Date.now() - killedAt).toBeLessThan(20_000);

  // The crash cost a retry (a batch reported its failed record), not a dead letter.
  expect(s.outcomes.some((o) => o.failed)).toBe(true);
  expect(existsSync(s.deadLetters) ? readFileSync(s.deadLetters, 'utf8') : '').toBe('');
  // A new browser serves on; the killed one is gone.
  const now = childBrowserPids();
  expect(now.length).toBeGreaterThan(0);
  expect(now).not.toContain(pid);
  // Each invoice's finalized event went out once, retry or not.
  const finalized = s.eventsOf('invoice.finalized').map((e) => e.invoiceId);
  expect(finalized.sort()).toEqual([...ids].sort());
});
