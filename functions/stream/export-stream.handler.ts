import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { runExport, type ExportDeps } from '../../domain/exports/invoice-exports.js';
import { scopedLog } from '../observability/logger.js';
import { exportFiles } from '../exports/export-files.js';
import { documents } from '../s3/document-wiring.js';
import { searchIndex } from '../search-wiring.js';
import { app } from '../wiring.js';

const exportDeps = (): ExportDeps => {
  const { deps } = app();
  return {
    ...searchIndex(),
    files: exportFiles,
    settings: deps.settings,
    documents: documents().documents,
    clock: deps.clock,
    ids: deps.ids,
  };
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
    // The stream record's event id is the run's correlation id; the job's filters (personal data, maybe) are not logged.
    const log = scopedLog({ correlation_id: record.eventID, exportId: item.id });
    try {
      const job = await runExport(exportDeps(), item.accountId as string, item.id as string);
      log.info('export finished', { status: job?.status, count: job?.count });
    } catch (e) {
      log.error('export failed; the stream retries it', {}, e);
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb!.SequenceNumber! }] };
    }
  }
  return { batchItemFailures: [] };
};
