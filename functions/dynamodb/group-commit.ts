import { BatchGetCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Key } from './keys.js';

type Waiter<R> = { resolve: (r: R) => void; reject: (e: unknown) => void };

/**
 * Group commit: calls made while earlier ones are on their way are sent together. A call made
 * when nothing is pending goes out on the next turn of the event loop, alone (no added wait);
 * under load, what arrives while `maxInFlight` requests are out is sent in the next one, up to
 * `maxBatch`. Calls with the same id share one entry (one read serves every caller of that item).
 */
class GroupCommit<T, R> {
  private pending = new Map<string, { item: T; waiters: Waiter<R>[] }>();
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly send: (items: T[]) => Promise<R[]>,
    private readonly opts: { maxBatch: number; maxInFlight: number; id: (t: T) => string },
  ) {}

  call(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const id = this.opts.id(item);
      const entry = this.pending.get(id);
      if (entry) entry.waiters.push({ resolve, reject });
      else this.pending.set(id, { item, waiters: [{ resolve, reject }] });
      this.schedule();
    });
  }

  private schedule() {
    if (this.scheduled || this.inFlight >= this.opts.maxInFlight || this.pending.size === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush() {
    if (this.inFlight >= this.opts.maxInFlight || this.pending.size === 0) return;
    const batch = [...this.pending].slice(0, this.opts.maxBatch);
    for (const [id] of batch) this.pending.delete(id);
    this.inFlight++;
    try {
      const results = await this.send(batch.map(([, e]) => e.item));
      batch.forEach(([, e], i) => e.waiters.forEach((w) => w.resolve(results[i]!)));
    } catch (err) {
      for (const [, e] of batch) for (const w of e.waiters) w.reject(err);
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }
}

const keyId = (k: Key) => `${k.pk}\u0000${k.sk}`;

/** Strongly consistent reads of single items. */
export interface ItemReads {
  get(key: Key): Promise<Record<string, unknown> | undefined>;
}

/** One GetItem a read: what the request paths use (their roles have no BatchGetItem). */
export const directReads = (db: DynamoDBDocumentClient, tableName: string): ItemReads => ({
  async get(key) {
    const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
    return Item;
  },
});

/** BatchGetItem's limit of keys a request. */
const MAX_BATCH_GET = 100;

/**
 * Strongly consistent reads of single items, coalesced into BatchGetItem requests: the delivery
 * function reads a delivery and its endpoint for every message, and a batch of messages (or, on
 * the local runtime, many invocations at once) then costs a request or two instead of two per
 * message, and one read of an endpoint serves every delivery to it in the batch. A read alone is
 * a plain GetItem.
 */
export class CoalescedReads implements ItemReads {
  private readonly group: GroupCommit<Key, Record<string, unknown> | undefined>;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    opts: { maxInFlight?: number } = {},
  ) {
    this.group = new GroupCommit((keys) => this.read(keys), {
      maxBatch: MAX_BATCH_GET,
      maxInFlight: opts.maxInFlight ?? 4,
      id: keyId,
    });
  }

  get(key: Key): Promise<Record<string, unknown> | undefined> {
    return this.group.call(key);
  }

  private async read(keys: Key[]): Promise<(Record<string, unknown> | undefined)[]> {
    if (keys.length === 1) return [await directReads(this.db, this.tableName).get(keys[0]!)];
    const found = new Map<string, Record<string, unknown>>();
    let todo: Key[] = keys;
    for (let round = 0; todo.length > 0; round++) {
      if (round > 8) throw new Error('BatchGetItem left keys unprocessed after 8 retries');
      // Unprocessed keys (throttling, the 16 MB response limit) are asked again after a short backoff.
      if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** round)));
      const out = await this.db.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: todo, ConsistentRead: true } } }),
      );
      for (const item of out.Responses?.[this.tableName] ?? [])
        found.set(keyId({ pk: item.pk as string, sk: item.sk as string }), item);
      todo = (out.UnprocessedKeys?.[this.tableName]?.Keys as Key[] | undefined) ?? [];
    }
    return keys.map((k) => found.get(keyId(k)));
  }
}
