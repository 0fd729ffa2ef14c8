import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { backfillNamed, BACKFILLS } from '../backfills/backfills.js';
import { runBackfill, type BackfillCheckpoint } from '../backfills/backfill-runner.js';
import { env } from '../config/env.js';
import { documentClient, tableConfig } from '../dynamodb/client.js';
import { scopedLog } from '../observability/logger.js';

/** Invoked by hand (console, CLI): `{ name }` runs one backfill, no name runs every one in order. */
export type BackfillEvent = { name?: string; restart?: boolean; pageSize?: number } | null | undefined;

/** Time kept in hand when a page ends: a page of a few hundred items takes seconds, not this. */
const MARGIN_MS = 60_000;

/**
 * Runs backfills (functions/backfills/backfills.ts) from their checkpoints until done or until the
 * invocation nears its timeout; the answer says which are done, and invoking again resumes where
 * the last page ended. Idempotent: a finished backfill reports done and does nothing.
 */
export async function handler(
  event?: BackfillEvent,
  context?: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>,
): Promise<{ results: BackfillCheckpoint[]; done: boolean }> {
  const config = env();
  const log = scopedLog({ correlation_id: context?.awsRequestId ?? randomUUID() });
  const db = documentClient(tableConfig(config));
  const chosen = event?.name ? [backfillNamed(event.name)] : [...BACKFILLS];
  if (chosen.some((b) => !b))
    throw new Error(`no backfill named ${event?.name}; known: ${BACKFILLS.map((b) => b.name).join(', ')}`);
  const results: BackfillCheckpoint[] = [];
  for (const backfill of chosen) {
    const c = await runBackfill({ db, tableName: config.TABLE_NAME }, backfill!, {
      ...(event?.restart ? { restart: true } : {}),
      ...(event?.pageSize ? { pageSize: event.pageSize } : {}),
      shouldStop: () => (context ? context.getRemainingTimeInMillis() < MARGIN_MS : false),
    });
    log.info('backfill', { ...c, startKey: undefined });
    results.push(c);
    if (!c.done) break; // out of time: the next invocation resumes this one first
  }
  return { results, done: results.length === chosen.length && results.every((r) => r.done) };
}
