import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_SETTINGS, type StoredSettings } from '../../domain/settings/settings.js';
import { isConditionFailure } from '../dynamodb/dynamo-errors.js';
import { fromItem } from '../dynamodb/items.js';
import { keys } from '../dynamodb/keys.js';
import { counterStamp } from '../dynamodb/number-series.js';
import type { Backfill } from './backfill-runner.js';

const COUNTER_SK = 'COUNTER#INVOICE#';

/**
 * Invoice counters written before settings saves stamped their version on them (settings-store.ts)
 * carry only `next`. Until one is stamped, a process that cached the account's settings cannot
 * number from it without reading them again (number-series.ts `take`: an unstamped counter only
 * passes for settings read in the same request). This stamps each such counter with the account's
 * settings as they stand: version, and for the current prefix's counter the prefix, start number
 * and mode. Only a counter still unstamped is written, so a second run changes nothing, and a
 * settings save racing the backfill (which stamps a newer version) always wins.
 */
export const counterSettingsBackfill: Backfill = {
  name: 'counter-settings',
  description: 'Stamps invoice counters written before settings versions were kept on them with the settings',
  filter: {
    expression: '#entity = :counter AND begins_with(#sk, :invoiceCounter) AND attribute_not_exists(#sv)',
    names: { '#entity': 'entity', '#sk': 'sk', '#sv': 'settingsVersion' },
    values: { ':counter': 'counter', ':invoiceCounter': COUNTER_SK },
  },
  prepare({ db, tableName }) {
    return async (item) => {
      const accountId = (item.pk as string).slice('ACC#'.length);
      const prefix = (item.sk as string).slice(COUNTER_SK.length);
      const { Item } = await db.send(
        new GetCommand({ TableName: tableName, Key: keys.settings(accountId), ConsistentRead: true }),
      );
      const settings = Item ? { ...DEFAULT_SETTINGS, ...fromItem<StoredSettings>(Item) } : null;
      const version = settings?.version ?? 0;
      const current = (settings?.prefix ?? DEFAULT_SETTINGS.prefix) === prefix;
      const stamp = counterStamp(
        accountId,
        current
          ? {
              version,
              prefix,
              startNumber: settings?.startNumber ?? DEFAULT_SETTINGS.startNumber,
              numbering: settings?.numbering ?? DEFAULT_SETTINGS.numbering,
            }
          : { version, prefix },
        current,
      );
      try {
        await db.send(
          new UpdateCommand({
            TableName: tableName,
            ...stamp,
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#sv)',
            ExpressionAttributeNames: { ...stamp.ExpressionAttributeNames, '#sv': 'settingsVersion' },
          }),
        );
        return true;
      } catch (e) {
        if (isConditionFailure(e)) return false;
        throw e;
      }
    };
  },
};
