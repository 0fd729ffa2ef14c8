import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { VersionConflict, type NumberSeries, type SettingsStore } from '../../domain/ports.js';
import type { InvoiceSettings, StoredSettings } from '../../domain/settings/settings.js';
import { isConditionFailure } from './dynamo-errors.js';
import { fromItem } from './items.js';
import { keys } from './keys.js';

export class DynamoSettingsStore implements SettingsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(accountId: string): Promise<StoredSettings | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.settings(accountId), ConsistentRead: true }),
    );
    return Item ? fromItem<StoredSettings>(Item) : null;
  }

  async counterNext(accountId: string, prefix: string, series: NumberSeries = 'invoice'): Promise<number | null> {
    const Key =
      series === 'creditNote' ? keys.creditNoteCounter(accountId, prefix) : keys.invoiceCounter(accountId, prefix);
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key, ConsistentRead: true }));
    return Item ? (Item.next as number) : null;
  }

  async save(
    accountId: string,
    settings: InvoiceSettings,
    expectedVersion: number,
    now: string,
  ): Promise<StoredSettings> {
    const stored: StoredSettings = { ...settings, accountId, version: expectedVersion + 1, updatedAt: now };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...stored, ...keys.settings(accountId), entity: 'settings' },
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : '#version = :expected',
          ...(expectedVersion === 0
            ? {}
            : {
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      );
    } catch (e) {
      if (isConditionFailure(e)) throw new VersionConflict();
      throw e;
    }
    return stored;
  }
}
