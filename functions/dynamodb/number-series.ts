import { GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { nextNumber } from '../../domain/invoices/numbering.js';
import {
  cancellationReasons,
  isConditionFailure,
  isTransactionConflict,
  jitter,
  unavailable,
} from './dynamo-errors.js';
import { readChainEnd, type ChainLink } from './chain-end.js';
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
 * A link of a hash chain to take in the write: the entry for the next sequence, put only if that
 * sequence is free, so a sequence is never taken twice; and since a writer only links after an
 * entry that was written (chain-end.ts), never skipped. Each entry names the one before it.
 */
export type ChainRequest = {
  /** Whose chain: each account has one. */
  accountId: string;
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
  /**
   * The caller's own items, for the number handed out (null without a series) and the chain link
   * taken (null without a chain: its history entry witnesses it); they come first in the transaction.
   */
  items: (number: string | null, link: ChainLink | null) => TransactItem[];
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

type ReportedItem = { next?: { N?: string } | number };

/** The counter's current value from a cancelled transaction (the item comes back in DynamoDB JSON). */
function reportedCounter(e: unknown, index: number): number | undefined {
  const item = (e as { CancellationReasons?: { Item?: ReportedItem }[] }).CancellationReasons?.[index]?.Item;
  const next = item?.next;
  const n = typeof next === 'number' ? next : Number(next?.N);
  return Number.isInteger(n) && n > 0 ? n : undefined;
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
   * The chain ends this process last wrote: the next write links after them without reading the
   * end first (a stale one finds its sequence taken, and the retry reads the end), so an account
   * issuing one document after another pays no extra read for its chain.
   */
  private readonly chainEnds = new Map<string, ChainLink>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Runs the write; resolves to the number handed out (null without a series). */
  write(w: NumberedWrite): Promise<string | null> {
    if (!w.series && !w.chain) return this.attempt(w);
    const queueKey = [
      w.series && `${w.series.counterKey.pk}#${w.series.counterKey.sk}`,
      w.chain && `CHAIN#${w.chain.accountId}`,
    ]
      .filter((k) => k !== undefined)
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
      let link: ChainLink | null = null;
      if (w.chain) {
        const chain = await this.chainItem(w.chain, number);
        numberItems.push(chain.item);
        link = chain.link;
      }
      const own = w.items(number, link);
      // Without its witness a link deleted from the chain's end could be taken again unnoticed.
      if (link && !own.some((i) => i.Put?.Item?.chainSequence === link.sequence))
        throw new Error('a chain link must be written with its witness (audit-items.ts: witnessing)');
      try {
        if (own.length === 1 && numberItems.length === 0 && own[0]!.Put) {
          await this.db.send(new PutCommand(own[0]!.Put));
        } else {
          await this.db.send(new TransactWriteCommand({ TransactItems: [...own, ...numberItems] }));
        }
        if (w.chain && link) this.chainEnds.set(w.chain.accountId, link);
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
        // Another writer took the sequence: the retry reads where the chain ends now.
        if (w.chain && reasons[own.length + chainIndex] === 'ConditionalCheckFailed')
          this.chainEnds.delete(w.chain.accountId);
        await jitter(attempt);
      }
    }
    throw unavailable(w.busy);
  }

  /** The entry after the chain's end, put only if its sequence is free. */
  private async chainItem(
    chain: ChainRequest,
    number: string | null,
  ): Promise<{ item: TransactItem; link: ChainLink }> {
    // Read when this process does not know the end, or lost a race for it.
    const end = this.chainEnds.get(chain.accountId) ?? (await readChainEnd(this.db, this.tableName, chain.accountId));
    const sequence = (end?.sequence ?? 0) + 1;
    const entry = chain.entry(sequence, end?.chain ?? chain.genesis, number);
    return {
      item: { Put: { TableName: this.tableName, Item: entry.item, ConditionExpression: 'attribute_not_exists(pk)' } },
      link: { sequence, chain: entry.chain },
    };
  }
}
