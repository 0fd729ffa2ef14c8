import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../dynamodb/dynamo-errors.js';
import { keys } from '../dynamodb/keys.js';
import type { Backfill } from './backfill-runner.js';

/**
 * Payments recorded before `POST /payments/{id}/refund|void` existed have no id reference
 * (keys.paymentRef), so those routes could not find them: this writes the missing ones. A reference
 * is put only where none is, so running it again changes nothing.
 */
export const paymentRefsBackfill: Backfill = {
  name: 'payment-refs',
  description: 'Gives payments recorded before /payments/{id} routes existed the id reference those routes read',
  filter: { expression: '#entity = :payment', names: { '#entity': 'entity' }, values: { ':payment': 'payment' } },
  prepare({ db, tableName }) {
    return async (item) => {
      const { accountId, invoiceId, id } = item as { accountId: string; invoiceId: string; id: string };
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...keys.paymentRef(accountId, id), entity: 'paymentRef', accountId, invoiceId, paymentId: id },
            ConditionExpression: 'attribute_not_exists(pk)',
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
