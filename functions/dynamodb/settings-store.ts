import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { VersionConflict, type NumberSeries, type SettingsStore } from '../../domain/ports.js';
import { DEFAULT_SETTINGS, type InvoiceSettings, type StoredSettings } from '../../domain/settings/settings.js';
import { cancellationReasons, isTransactionConflict, jitter, unavailable } from './dynamo-errors.js';
import { fromItem } from './items.js';
import { keys } from './keys.js';
import { counterStamp, type TransactItem } from './number-series.js';

/** Accounts whose settings one process keeps: a Lambda instance serves a few, the local runtime many. */
const CACHED_ACCOUNTS = 1_000;
/** A save racing creates on the counter it stamps may meet a transaction conflict: retried this often. */
const MAX_SAVE_ATTEMPTS = 8;

/**
 * Settings in DynamoDB. A save stamps its version on the invoice counters of the prefix it replaces
 * and of the one it sets (with what numbering needs: prefix, start number, mode), in the same
 * transaction; so a create that increments a counter on condition of the version it was decided
 * on (number-series.ts) notices any save since, and the settings this process last saw (`recent`)
 * can stand in for a read.
 */
export class DynamoSettingsStore implements SettingsStore {
  /** The settings this process last read or saved, per account (oldest first, for eviction). */
  private readonly seen = new Map<string, StoredSettings | null>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(accountId: string): Promise<StoredSettings | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.settings(accountId), ConsistentRead: true }),
    );
    const stored = Item ? fromItem<StoredSettings>(Item) : null;
    this.remember(accountId, stored);
    return stored;
  }

  async recent(accountId: string): Promise<{ settings: StoredSettings | null; cached: boolean }> {
    if (this.seen.has(accountId)) return { settings: structuredClone(this.seen.get(accountId)!), cached: true };
    return { settings: await this.get(accountId), cached: false };
  }

  async counterNext(accountId: string, prefix: string, series: NumberSeries = 'invoice'): Promise<number | null> {
    const Key =
      series === 'creditNote' ? keys.creditNoteCounter(accountId, prefix) : keys.invoiceCounter(accountId, prefix);
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key, ConsistentRead: true }));
    // A counter stamped by a settings save but never used has no `next`.
    return typeof Item?.next === 'number' ? Item.next : null;
  }

  async save(
    accountId: string,
    settings: InvoiceSettings,
    expectedVersion: number,
    now: string,
    previous?: InvoiceSettings,
  ): Promise<StoredSettings> {
    const stored: StoredSettings = { ...settings, accountId, version: expectedVersion + 1, updatedAt: now };
    const replacedPrefix = (previous ?? (await this.previous(accountId, expectedVersion))).prefix;
    const put: TransactItem = {
      Put: {
        TableName: this.tableName,
        Item: { ...stored, ...keys.settings(accountId), entity: 'settings' },
        ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : '#version = :expected',
        ...(expectedVersion === 0
          ? {}
          : {
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':expected': expectedVersion },
            }),
      },
    };
    const items: TransactItem[] = [
      put,
      { Update: { TableName: this.tableName, ...counterStamp(accountId, stored) } },
      ...(replacedPrefix === stored.prefix
        ? []
        : [
            {
              Update: {
                TableName: this.tableName,
                ...counterStamp(accountId, { version: stored.version, prefix: replacedPrefix }, false),
              },
            },
          ]),
    ];
    for (let attempt = 0; attempt < MAX_SAVE_ATTEMPTS; attempt++) {
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: items }));
        this.remember(accountId, stored);
        return stored;
      } catch (e) {
        const reasons = cancellationReasons(e);
        if (reasons?.[0] === 'ConditionalCheckFailed') {
          // Another save won; what this process saw is no longer current.
          this.seen.delete(accountId);
          throw new VersionConflict();
        }
        // Creates incrementing the counter at this moment: nothing was written, so try again.
        if (!reasons || !isTransactionConflict(reasons)) throw e;
        await jitter(attempt);
      }
    }
    throw unavailable('The settings are being changed under heavy load; retry shortly');
  }

  /** The settings a save replaces, when the caller did not say: none stored means the defaults. */
  private async previous(accountId: string, expectedVersion: number): Promise<InvoiceSettings> {
    if (expectedVersion === 0) return DEFAULT_SETTINGS;
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.settings(accountId), ConsistentRead: true }),
    );
    return Item ? fromItem<StoredSettings>(Item) : DEFAULT_SETTINGS;
  }

  private remember(accountId: string, settings: StoredSettings | null) {
    // A slow read answering after this process's own later save must not set it back.
    const known = this.seen.get(accountId);
    if (known && known.version > (settings?.version ?? 0)) return;
    // Re-inserted at the end: the map's order is the order last seen, so the first key is the oldest.
    this.seen.delete(accountId);
    this.seen.set(accountId, settings ? structuredClone(settings) : null);
    if (this.seen.size > CACHED_ACCOUNTS) this.seen.delete(this.seen.keys().next().value!);
  }
}
