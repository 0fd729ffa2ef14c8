import { PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../dynamodb/dynamo-errors.js';
import { keys } from '../dynamodb/keys.js';

/**
 * Payments recorded before `POST /payments/{id}/…` existed have no id reference (keys.paymentRef),
 * so those routes could not find them. This writes the missing references: idempotent (a reference
 * is put only where none is), resumable (each page ends with the cursor to resume from), and the one
 * Scan of the table the service makes, off every request path.
 */
export type BackfillPage = { scanned: number; written: number; cursor: Record<string, unknown> | null };

export async function backfillPaymentRefsPage(
  db: DynamoDBDocumentClient,
  tableName: string,
  cursor: Record<string, unknown> | null,
  pageSize = 500,
): Promise<BackfillPage> {
  const page = await db.send(
    new ScanCommand({
      TableName: tableName,
      FilterExpression: 'entity = :payment',
      ExpressionAttributeValues: { ':payment': 'payment' },
      Limit: pageSize,
      ...(cursor ? { ExclusiveStartKey: cursor } : {}),
    }),
  );
  let written = 0;
  for (const item of page.Items ?? []) {
    const { accountId, invoiceId, id } = item as { accountId: string; invoiceId: string; id: string };
    try {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...keys.paymentRef(accountId, id), entity: 'paymentRef', accountId, invoiceId, paymentId: id },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      written++;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }
  return { scanned: page.ScannedCount ?? 0, written, cursor: page.LastEvaluatedKey ?? null };
}

/** Runs pages until the table is done or `budget` pages are spent; resumes from `cursor`. */
export async function backfillPaymentRefs(
  db: DynamoDBDocumentClient,
  tableName: string,
  opts: {
    cursor?: Record<string, unknown> | null;
    budget?: number;
    pageSize?: number;
    onPage?: (p: BackfillPage) => void;
  } = {},
): Promise<{ written: number; cursor: Record<string, unknown> | null }> {
  let cursor = opts.cursor ?? null;
  let written = 0;
  for (let i = 0; i < (opts.budget ?? Infinity); i++) {
    const page = await backfillPaymentRefsPage(db, tableName, cursor, opts.pageSize);
    written += page.written;
    opts.onPage?.(page);
    cursor = page.cursor;
    if (!cursor) break;
  }
  return { written, cursor };
}
