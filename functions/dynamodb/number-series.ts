import {
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { nextNumber } from '../../domain/invoices/numbering.js';
import type { SettingsBasis } from '../../domain/ports.js';
import {
  cancellationReasons,
  isConditionFailure,
  isTransactionConflict,
  isTransactionConflictError,
  jitter,
  unavailable,
} from './dynamo-errors.js';
import { readChainEnd, type ChainLink } from './chain-end.js';
import { keys, type Key } from './keys.js';

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
  /**
   * Take the number by an atomic increment of the counter before the write (no conflict between
   * writers, a gap when the write then fails), on condition that the counter names the settings
   * version the request was decided on; else the counter moves in the write itself (gapless).
   */
  increment?: IncrementRequest;
};

export type IncrementRequest = {
  basis: SettingsBasis;
  /** Written on the counter with each increment: what numbering needs (prefix, start number, mode). */
  stamp: Record<string, unknown>;
  /** The error when the counter names another settings version. */
  stale: () => Error;
};

/** The settings a counter carries (settings-store.ts stamps them, every increment writes them again). */
export type CounterSettings = { version: number; prefix: string; startNumber?: number; numbering?: string };

/** `SET #a = :a, …` for plain attribute values, with its names and values. */
function setting(fields: Record<string, unknown>) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets = Object.entries(fields).map(([k, v], i) => {
    names[`#s${i}`] = k;
    values[`:s${i}`] = v;
    return `#s${i} = :s${i}`;
  });
  return { sets, names, values };
}

/** What an invoice counter carries of the settings: the version always; for the current prefix the rest. */
export function counterFields(accountId: string, s: CounterSettings, current: boolean): Record<string, unknown> {
  return {
    entity: 'counter',
    accountId,
    settingsVersion: s.version,
    prefix: s.prefix,
    current,
    ...(current && s.startNumber !== undefined ? { startNumber: s.startNumber } : {}),
    ...(current && s.numbering !== undefined ? { numbering: s.numbering } : {}),
  };
}

/**
 * The update a settings save makes to an invoice counter, in its own transaction: the prefix it
 * sets gets the new version and what numbering needs; the prefix it replaces gets the new version
 * only, so an increment decided on the settings before fails there. `next` is left alone: it
 * moves only when a number is taken.
 */
export function counterStamp(accountId: string, s: CounterSettings, current = true) {
  const { sets, names, values } = setting(counterFields(accountId, s, current));
  return {
    Key: keys.invoiceCounter(accountId, s.prefix),
    UpdateExpression: `SET ${sets.join(', ')}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

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

/** Increments of one counter a process has in flight at once (see `enter`). */
const MAX_INCREMENTS_IN_FLIGHT = 4;

/** Counters a process keeps hints for: a Lambda instance numbers for a few accounts, the local runtime many. */
const MAX_HINTS = 1_000;

/** A counter's next value as this process left it, and whether no one else numbered between its last two numbers. */
type CounterHint = { next: number; alone: boolean };

/**
 * The settings version an increment was decided on must be the one the counter names; settings
 * read in this request also accept a counter never stamped (see SettingsBasis).
 */
const versionCondition = (inc: IncrementRequest) =>
  inc.basis.cached ? '#sv = :sv' : '(attribute_not_exists(#sv) OR #sv = :sv)';

function versionMismatch(counter: Record<string, unknown> | undefined, inc: IncrementRequest): boolean {
  const stamped = typeof counter?.settingsVersion === 'number' ? counter.settingsVersion : undefined;
  return stamped !== inc.basis.settingsVersion && (inc.basis.cached || stamped !== undefined);
}

/** The item a cancelled transaction reports for one of its items (DynamoDB JSON), as plain values. */
function reportedItem(e: unknown, index: number): Record<string, unknown> | undefined {
  const item = (e as { CancellationReasons?: { Item?: Parameters<typeof unmarshall>[0] }[] }).CancellationReasons?.[
    index
  ]?.Item;
  return item ? unmarshall(item) : undefined;
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
  /** Increments: each counter's next value as this process left it (see `incremented`). */
  private readonly hints = new Map<string, CounterHint>();
  /** Increments: writes in flight per counter in this process (the local runtime serves many at once). */
  private readonly inFlight = new Map<string, { active: number; waiting: (() => void)[] }>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Runs the write; resolves to the number handed out (null without a series). */
  write(w: NumberedWrite): Promise<string | null> {
    // An increment hands each writer its own number: nothing to queue, nothing to race for.
    if (w.series?.increment) return this.incremented(w, w.series, w.series.increment);
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
          // A counter a settings save stamped but nothing numbered from yet has no `next`.
          stored = typeof Item?.next === 'number' ? Item.next : null;
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
              ConditionExpression: stored === null ? 'attribute_not_exists(#next)' : '#next = :read',
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
      const { own, link } = await this.withChain(w, number, numberItems);
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

  /**
   * The number from an atomic increment, then one transaction of the caller's items and the number's
   * guard (and a chain link). A transient conflict or a lost chain link retries with the same
   * number; a guard already there (a number handed out before the counter knew it) takes the next;
   * the caller's own failure leaves the number unused, a gap.
   *
   * When this process alone has been numbering from the counter (its last number was the one after
   * its number before, and nothing else of it is in flight here), the next value is known: the
   * counter's bump goes into the transaction, conditional on that value and the settings version,
   * and the create is one request. The first sign of another writer (the condition fails) turns
   * the counter back to increments until this process again sees no one else between its numbers.
   */
  private async incremented(w: NumberedWrite, series: SeriesRequest, inc: IncrementRequest): Promise<string> {
    const key = `${series.counterKey.pk}#${series.counterKey.sk}`;
    const hint = this.hints.get(key);
    const others = await this.enter(key);
    try {
      let predicted = hint !== undefined && hint.alone && others === 0 ? hint.next : undefined;
      let n = predicted !== undefined ? nextNumber(predicted, series.startNumber) : await this.take(series, inc, key);
      for (let attempt = 0; attempt < MAX_NUMBERING_ATTEMPTS; attempt++) {
        const number = series.format(n);
        const numberItems: TransactItem[] = [
          {
            Put: {
              TableName: this.tableName,
              Item: series.guard(number),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ];
        if (predicted !== undefined) numberItems.push(this.predictedBump(series, inc, predicted, n));
        const { own, link } = await this.withChain(w, number, numberItems);
        try {
          await this.db.send(new TransactWriteCommand({ TransactItems: [...own, ...numberItems] }));
          if (w.chain && link) this.chainEnds.set(w.chain.accountId, link);
          if (predicted !== undefined) this.hint(key, { next: n + 1, alone: true });
          return number;
        } catch (e) {
          const reasons = cancellationReasons(e);
          if (!reasons) throw e;
          const mine = w.ownFailure(reasons.slice(0, own.length));
          if (mine) throw mine;
          const numberReasons = reasons.slice(own.length);
          const guardTaken = numberReasons[0] === 'ConditionalCheckFailed';
          const bumpIndex = predicted !== undefined ? 1 : -1;
          const chainIndex = predicted !== undefined ? 2 : 1;
          const chainLost = w.chain !== undefined && numberReasons[chainIndex] === 'ConditionalCheckFailed';
          if (chainLost) this.chainEnds.delete(w.chain!.accountId);
          if (predicted !== undefined && (numberReasons[bumpIndex] !== undefined || guardTaken)) {
            // Another writer moved the counter (or the settings changed): back to increments.
            if (numberReasons[bumpIndex] === 'ConditionalCheckFailed') {
              const old = reportedItem(e, own.length + bumpIndex);
              if (old && versionMismatch(old, inc)) throw inc.stale();
            }
            this.hint(key, { next: n, alone: false });
            predicted = undefined;
            n = await this.take(series, inc, key);
            continue;
          }
          if (!guardTaken && !chainLost && !isTransactionConflict(reasons)) throw e;
          if (guardTaken) n = await this.take(series, inc, key);
          else await jitter(attempt);
        }
      }
      throw unavailable(w.busy);
    } finally {
      this.leave(key);
    }
  }

  /**
   * A slot among the increments in flight for one counter in this process; resolves to how many
   * others hold one. In Lambda an instance serves one request at a time, so this never waits; where
   * one process serves many (the local runtime: 200 creates at once in a test), it keeps them from
   * flooding the database with writes to one item, as the gapless path's queue does.
   */
  private async enter(key: string): Promise<number> {
    let slots = this.inFlight.get(key);
    if (!slots) this.inFlight.set(key, (slots = { active: 0, waiting: [] }));
    if (slots.active < MAX_INCREMENTS_IN_FLIGHT) return slots.active++;
    // A leaving write hands its slot over: `active` stays as it is.
    await new Promise<void>((r) => slots.waiting.push(r));
    return slots.active - 1;
  }

  private leave(key: string) {
    const slots = this.inFlight.get(key)!;
    const next = slots.waiting.shift();
    if (next) return next();
    if (--slots.active === 0) this.inFlight.delete(key);
  }

  /** The counter's bump inside the transaction, for a value this process expects it to hold. */
  private predictedBump(series: SeriesRequest, inc: IncrementRequest, expected: number, n: number): TransactItem {
    const { sets, names, values } = setting({ ...inc.stamp, settingsVersion: inc.basis.settingsVersion });
    return {
      Update: {
        TableName: this.tableName,
        Key: series.counterKey,
        UpdateExpression: `SET #next = :after, ${sets.join(', ')}`,
        ConditionExpression: `#next = :expected AND ${versionCondition(inc)}`,
        ExpressionAttributeNames: { ...names, '#next': 'next', '#sv': 'settingsVersion' },
        ExpressionAttributeValues: {
          ...values,
          ':after': n + 1,
          ':expected': expected,
          ':sv': inc.basis.settingsVersion,
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  /** What this process knows of a counter after numbering from it; kept for a bounded number of counters. */
  private hint(key: string, h: CounterHint) {
    this.hints.delete(key);
    this.hints.set(key, h);
    if (this.hints.size > MAX_HINTS) this.hints.delete(this.hints.keys().next().value!);
  }

  /**
   * One atomic increment of the counter, conditional on the settings version (`inc.basis`); the
   * number is the value before it. The counter is usually at or past the start number and moves on
   * by one; once the start number was raised past it, the first increment moves it there (a second
   * form, tried when the first finds the counter below the start number), so the number handed out
   * is max(counter, start number), as for the gapless path (numbering.ts).
   */
  private async take(series: SeriesRequest, inc: IncrementRequest, key: string): Promise<number> {
    const { sets, names, values } = setting({ ...inc.stamp, settingsVersion: inc.basis.settingsVersion });
    const version = versionCondition(inc);
    const start = series.startNumber;
    let raise = false;
    for (let attempt = 0; attempt < MAX_NUMBERING_ATTEMPTS; attempt++) {
      try {
        const { Attributes } = await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: series.counterKey,
            UpdateExpression: `SET #next = ${raise ? ':after' : 'if_not_exists(#next, :start) + :one'}, ${sets.join(', ')}`,
            ConditionExpression: `${version} AND ${raise ? '#next < :start' : '(attribute_not_exists(#next) OR #next >= :start)'}`,
            ExpressionAttributeNames: { ...names, '#next': 'next', '#sv': 'settingsVersion' },
            ExpressionAttributeValues: {
              ...values,
              ':sv': inc.basis.settingsVersion,
              ':start': start,
              ...(raise ? { ':after': start + 1 } : { ':one': 1 }),
            },
            ReturnValues: 'UPDATED_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        const n = (Attributes!.next as number) - 1;
        // Alone on the counter if the number follows this process's last one.
        this.hint(key, { next: n + 1, alone: this.hints.get(key)?.next === n });
        return n;
      } catch (e) {
        // A settings save is stamping the counter this moment.
        if (isTransactionConflictError(e)) {
          await jitter(attempt);
          continue;
        }
        if (!isConditionFailure(e)) throw e;
        const old = await this.counterAfterFailure(e, series.counterKey);
        if (versionMismatch(old, inc)) throw inc.stale();
        // The version holds, so the counter is on the other side of the start number: the other form.
        raise = typeof old?.next === 'number' && old.next < start;
      }
    }
    throw unavailable('Too many invoices are being numbered at once; retry shortly');
  }

  /** The counter as a failed condition found it (DynamoDB returns it), or as it is now. */
  private async counterAfterFailure(e: unknown, key: Key): Promise<Record<string, unknown> | undefined> {
    const item = (e as { Item?: Parameters<typeof unmarshall>[0] }).Item;
    if (item) return unmarshall(item);
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return Item;
  }

  /**
   * The write's own items after its number (and its chain entry, added to `numberItems`, when it
   * issues a document). Without its witness a link deleted from the chain's end could be taken
   * again unnoticed, so a chained write without one is refused here, for every path.
   */
  private async withChain(
    w: NumberedWrite,
    number: string | null,
    numberItems: TransactItem[],
  ): Promise<{ own: TransactItem[]; link: ChainLink | null }> {
    let link: ChainLink | null = null;
    if (w.chain) {
      const chain = await this.chainItem(w.chain, number);
      numberItems.push(chain.item);
      link = chain.link;
    }
    const own = w.items(number, link);
    if (link && !own.some((i) => i.Put?.Item?.chainSequence === link.sequence))
      throw new Error('a chain link must be written with its witness (audit-items.ts: witnessing)');
    return { own, link };
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
