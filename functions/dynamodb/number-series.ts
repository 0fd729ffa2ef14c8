import { GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { nextNumber } from '../../domain/invoices/numbering.js';
import {
  cancellationReasons,
  isConditionFailure,
  isTransactionConflict,
  jitter,
  unavailable,
} from './dynamo-errors.js';
import type { Key } from './keys.js';

export type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** Kept low enough that a caller gives up within a Lambda's timeout (bench/numbering.ts mirrors it). */
export const MAX_NUMBERING_ATTEMPTS = 60;

/** A number to hand out in the write: which counter, from where, how it reads, and its uniqueness guard. */
export type SeriesRequest = {
  counterKey: Key;
  startNumber: number;
  format: (n: number) => string;
  /** The guard item (keys and attributes) for a number: a second write of the same number fails on it. */
  guard: (number: string) => Record<string, unknown>;
};

/**
 * A link of a hash chain to take in the write: the same counter + guard mechanism, where the counter
 * also keeps the last link (`head`) and the guard is the chain entry itself. So a sequence is never
 * taken twice nor skipped, and each entry names the one before it.
 */
export type ChainRequest = {
  counterKey: Key;
  /** The entry item for `sequence` after the link `previous`, given the number the series handed out; and its own link. */
  entry: (
    sequence: number,
    previous: string,
    number: string | null,
  ) => { item: Record<string, unknown>; chain: string };
  /** The `previous` of the first entry. */
  genesis: string;
};

export type NumberedWrite = {
  /** The caller's own items, for the number handed out (null without a series); they come first in the transaction. */
  items: (number: string | null) => TransactItem[];
  series?: SeriesRequest;
  chain?: ChainRequest;
  /**
   * The caller's error for a cancellation its own items caused (`reasons` has one entry per own
   * item); undefined when none did, so the cause was the counter or a transient conflict.
   */
  ownFailure: (reasons: (string | undefined)[]) => Error | undefined;
  /** What to say when contention does not settle. */
  busy: string;
};

type ReportedItem = { next?: { N?: string } | number; head?: { S?: string } | string };

/** The counter's current value from a cancelled transaction (the item comes back in DynamoDB JSON). */
function reportedCounter(e: unknown, index: number): number | undefined {
  const item = (e as { CancellationReasons?: { Item?: ReportedItem }[] }).CancellationReasons?.[index]?.Item;
  const next = item?.next;
  const n = typeof next === 'number' ? next : Number(next?.N);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The chain counter's sequence and last link from a cancelled transaction. */
function reportedHead(e: unknown, index: number): { next: number; head: string } | undefined {
  const next = reportedCounter(e, index);
  const item = (e as { CancellationReasons?: { Item?: ReportedItem }[] }).CancellationReasons?.[index]?.Item;
  const head = typeof item?.head === 'string' ? item.head : item?.head?.S;
  return next !== undefined && head ? { next, head } : undefined;
}

/**
 * Writes that may hand out a number from a counter: the counter bump (conditional on the value
 * read), a guard item for the number and the caller's items commit in one TransactWriteItems; a
 * lost race on the counter retries with jitter, taking the counter's value from the cancellation.
 * So a number is never issued twice and, since the counter moves only with a write that takes its
 * number, never skipped. Invoice numbers and credit note numbers are two series of this one mechanism.
 */
export class NumberedWriter {
  /**
   * Numbering writes for one counter run one at a time within this process. In Lambda an instance
   * serves one request at a time, so this changes nothing there; where one process serves many
   * requests (the local runtime) it keeps them from racing each other for the counter, leaving the
   * conditional write to settle races between processes.
   */
  private readonly counterQueues = new Map<string, Promise<unknown>>();
  /**
   * The chain heads this process last wrote: the next write tries them without reading the counter
   * first (a stale one fails the counter's condition, which reports the current head for the retry),
   * so an account issuing one document after another pays no extra read for its chain.
   */
  private readonly chainHeads = new Map<string, { next: number; head: string }>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Runs the write; resolves to the number handed out (null without a series). */
  write(w: NumberedWrite): Promise<string | null> {
    if (!w.series && !w.chain) return this.attempt(w);
    const queueKey = [w.series?.counterKey, w.chain?.counterKey]
      .filter((k) => k !== undefined)
      .map((k) => `${k.pk}#${k.sk}`)
      .join('|');
    const previous = this.counterQueues.get(queueKey) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.attempt(w));
    this.counterQueues.set(queueKey, run);
    void run
      .finally(() => {
        if (this.counterQueues.get(queueKey) === run) this.counterQueues.delete(queueKey);
      })
      .catch(() => undefined);
    return run;
  }

  private async attempt(w: NumberedWrite): Promise<string | null> {
    // The counter value a lost race reported back; saves re-reading it before the next attempt.
    let reported: number | undefined;
    let reportedChain: { next: number; head: string } | undefined;
    for (let attempt = 0; attempt < MAX_NUMBERING_ATTEMPTS; attempt++) {
      let number: string | null = null;
      const numberItems: TransactItem[] = [];
      if (w.series) {
        const { counterKey } = w.series;
        let stored: number | null;
        if (reported !== undefined) stored = reported;
        else {
          const { Item } = await this.db.send(
            new GetCommand({ TableName: this.tableName, Key: counterKey, ConsistentRead: true }),
          );
          stored = Item ? (Item.next as number) : null;
        }
        reported = undefined;
        const n = nextNumber(stored, w.series.startNumber);
        number = w.series.format(n);
        numberItems.push(
          {
            Update: {
              TableName: this.tableName,
              Key: counterKey,
              UpdateExpression: 'SET #next = :after, entity = :entity',
              ConditionExpression: stored === null ? 'attribute_not_exists(pk)' : '#next = :read',
              ExpressionAttributeNames: { '#next': 'next' },
              ExpressionAttributeValues: {
                ':after': n + 1,
                ':entity': 'counter',
                ...(stored === null ? {} : { ':read': stored }),
              },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: w.series.guard(number),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        );
      }
      const chainIndex = numberItems.length;
      const chainKey = w.chain && `${w.chain.counterKey.pk}#${w.chain.counterKey.sk}`;
      let written: { next: number; head: string } | undefined;
      if (w.chain) {
        const { items, after } = await this.chainItems(
          w.chain,
          number,
          reportedChain ?? this.chainHeads.get(chainKey!),
        );
        numberItems.push(...items);
        written = after;
      }
      reportedChain = undefined;
      const own = w.items(number);
      try {
        if (own.length === 1 && numberItems.length === 0 && own[0]!.Put) {
          await this.db.send(new PutCommand(own[0]!.Put));
        } else {
          await this.db.send(new TransactWriteCommand({ TransactItems: [...own, ...numberItems] }));
        }
        if (chainKey && written) this.chainHeads.set(chainKey, written);
        return number;
      } catch (e) {
        if (isConditionFailure(e)) throw w.ownFailure(['ConditionalCheckFailed']) ?? e;
        const reasons = cancellationReasons(e);
        if (!reasons) throw e;
        const mine = w.ownFailure(reasons.slice(0, own.length));
        if (mine) throw mine;
        // Counter moved (another write took the number) or a transient transaction conflict: retry.
        const counterLost = reasons.slice(own.length).some((r) => r === 'ConditionalCheckFailed');
        if (!counterLost && !isTransactionConflict(reasons)) throw e;
        if (w.series && reasons[own.length] === 'ConditionalCheckFailed') reported = reportedCounter(e, own.length);
        if (w.chain && reasons[own.length + chainIndex] === 'ConditionalCheckFailed') {
          reportedChain = reportedHead(e, own.length + chainIndex);
          this.chainHeads.delete(chainKey!);
        }
        await jitter(attempt);
      }
    }
    throw unavailable(w.busy);
  }

  /** The chain counter's bump (sequence and head, conditional on the values read) and the entry, its guard. */
  private async chainItems(
    chain: ChainRequest,
    number: string | null,
    reported: { next: number; head: string } | undefined,
  ): Promise<{ items: TransactItem[]; after: { next: number; head: string } }> {
    let stored = reported ?? null;
    if (!stored) {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: chain.counterKey, ConsistentRead: true }),
      );
      stored = Item ? { next: Item.next as number, head: Item.head as string } : null;
    }
    const sequence = stored?.next ?? 1;
    const entry = chain.entry(sequence, stored?.head ?? chain.genesis, number);
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: chain.counterKey,
          UpdateExpression: 'SET #next = :after, #head = :head, entity = :entity',
          ConditionExpression: stored === null ? 'attribute_not_exists(pk)' : '#next = :read',
          ExpressionAttributeNames: { '#next': 'next', '#head': 'head' },
          ExpressionAttributeValues: {
            ':after': sequence + 1,
            ':head': entry.chain,
            ':entity': 'chainCounter',
            ...(stored === null ? {} : { ':read': stored.next }),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      { Put: { TableName: this.tableName, Item: entry.item, ConditionExpression: 'attribute_not_exists(pk)' } },
    ];
    return { items, after: { next: sequence + 1, head: entry.chain } };
  }
}
