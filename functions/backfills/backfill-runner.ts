import { GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../dynamodb/keys.js';

/** What a backfill works with: the table, through the same client the handlers use. */
export type BackfillContext = { db: DynamoDBDocumentClient; tableName: string };

/**
 * One named backfill: which stored items it visits (a filter on the items of a Scan: stored data
 * written before a key or field existed has no index to find it by) and what it does to one of
 * them. `prepare` is called once per run and returns the per-item step, which must be idempotent
 * (a page is redone after a crash) and return whether it changed the item.
 */
export type Backfill = {
  name: string;
  description: string;
  filter: { expression: string; names: Record<string, string>; values: Record<string, unknown> };
  prepare(ctx: BackfillContext): (item: Record<string, unknown>) => Promise<boolean>;
};

/** Where a backfill stands: kept in the table after every page, so a stopped run resumes there. */
export type BackfillCheckpoint = {
  name: string;
  /** The Scan's LastEvaluatedKey after the last page done (null: from the start). */
  startKey: Record<string, unknown> | null;
  done: boolean;
  scanned: number;
  changed: number;
  pages: number;
  updatedAt: string;
};

export async function readCheckpoint(ctx: BackfillContext, name: string): Promise<BackfillCheckpoint | null> {
  const { Item } = await ctx.db.send(
    new GetCommand({ TableName: ctx.tableName, Key: keys.backfill(name), ConsistentRead: true }),
  );
  return Item ? (Item.checkpoint as BackfillCheckpoint) : null;
}

async function saveCheckpoint(ctx: BackfillContext, c: BackfillCheckpoint): Promise<void> {
  await ctx.db.send(
    new PutCommand({
      TableName: ctx.tableName,
      Item: { ...keys.backfill(c.name), entity: 'backfillCheckpoint', checkpoint: c },
    }),
  );
}

/**
 * Runs a backfill from its checkpoint, page by page, saving the checkpoint after each page, until
 * the table is done or `shouldStop` says so (a Lambda near its timeout, a test playing a crash).
 * A finished backfill does nothing again unless `restart` is set (each item's step is idempotent,
 * so a restart only re-reads). Returns the checkpoint as it stands.
 */
export async function runBackfill(
  ctx: BackfillContext,
  backfill: Backfill,
  opts: {
    pageSize?: number;
    restart?: boolean;
    shouldStop?: (c: BackfillCheckpoint) => boolean;
    now?: () => Date;
  } = {},
): Promise<BackfillCheckpoint> {
  const now = opts.now ?? (() => new Date());
  const stored = opts.restart ? null : await readCheckpoint(ctx, backfill.name);
  let c: BackfillCheckpoint = stored ?? {
    name: backfill.name,
    startKey: null,
    done: false,
    scanned: 0,
    changed: 0,
    pages: 0,
    updatedAt: now().toISOString(),
  };
  if (c.done) return c;
  const step = backfill.prepare(ctx);
  for (;;) {
    if (opts.shouldStop?.(c)) return c;
    const page = await ctx.db.send(
      new ScanCommand({
        TableName: ctx.tableName,
        FilterExpression: backfill.filter.expression,
        ExpressionAttributeNames: backfill.filter.names,
        ExpressionAttributeValues: backfill.filter.values,
        ExclusiveStartKey: c.startKey ?? undefined,
        Limit: opts.pageSize ?? 200,
        ConsistentRead: true,
      }),
    );
    let changed = 0;
    for (const item of page.Items ?? []) if (await step(item)) changed++;
    c = {
      ...c,
      startKey: page.LastEvaluatedKey ?? null,
      done: !page.LastEvaluatedKey,
      scanned: c.scanned + (page.ScannedCount ?? 0),
      changed: c.changed + changed,
      pages: c.pages + 1,
      updatedAt: now().toISOString(),
    };
    await saveCheckpoint(ctx, c);
    if (c.done) return c;
  }
}
