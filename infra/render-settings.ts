import { RENDER_PAGES } from '../functions/pdf/render-pages.js';

/**
 * The render queue and renderer function's settings, shared by the CDK stack
 * (infra/stacks/pdf-renderer.ts) and the local runtime (infra/local/render-poller.ts), and read
 * by the template tests and bench/burst.ts.
 */
export const RENDER_SETTINGS = {
  /** Jobs per invocation (FIFO queues take at most 10): two rounds of the instance's pages. */
  batchSize: 8,
  /** Pages printing at once in one instance (functions/pdf/render.handler.ts RENDER_PAGES). */
  pagesPerInstance: RENDER_PAGES,
  /**
   * Instances the queue may run at once (the event source's maximum concurrency): the renders of
   * a month-end burst in parallel without taking the account's whole Lambda concurrency
   * (README, "Bursts of finalizations").
   */
  maxConcurrency: 20,
  memoryMb: 2048,
  /** A batch: a cold Chromium (about 3 s) and two rounds of four pages, with room for retries of S3. */
  functionTimeoutSeconds: 60,
  /** Lambda's advice for SQS sources: six times the function's timeout. */
  visibilityTimeoutSeconds: 360,
  /** A job failing this often is the renderer's own fault (a poisoned document): it goes to the dead letters. */
  maxReceiveCount: 5,
  retentionDays: 4,
  /** The oldest job waiting longer than this: renders are falling behind the finalizations. */
  oldestJobAlarmSeconds: 600,
} as const;
