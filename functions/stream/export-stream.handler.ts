import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { runExport, type ExportDeps } from '../../domain/exports/invoice-exports.js';
import { app } from '../wiring.js';

const exportDeps = (): ExportDeps => {
  const { deps, documents, index } = app();
  return { ...index, settings: deps.settings, documents, clock: deps.clock, ids: deps.ids };
};

/**
 * Runs export jobs as they are inserted. In AWS the event source mapping's filter passes only
 * inserted export items; the same check here keeps the local poller (which has no filters) and
 * any replay honest. The first failing record is reported, so the batch retries from it.
 */
export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  for (const record of event.Records) {
    const image = record.eventName === 'INSERT' ? record.dynamodb?.NewImage : undefined;
    const item = image ? unmarshall(image as Record<string, AttributeValue>) : null;
    if (item?.entity !== 'export') continue;
    try {
      const job = await runExport(exportDeps(), item.accountId as string, item.id as string);
      console.log(JSON.stringify({ level: 'info', message: 'export finished', exportId: item.id, status: job?.status, count: job?.count }));
    } catch (e) {
      console.log(JSON.stringify({ level: 'error', message: 'export failed', exportId: item.id, error: e instanceof Error ? e.message : String(e) }));
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb!.SequenceNumber! }] };
    }
  }
  return { batchItemFailures: [] };
};
