import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EXPORT_FUNCTION_ENTRY } from '../routes.js';
import { EXPORT_FILTERS } from '../stream-filters.js';
import { BATCH_READ_ACTIONS, EXPORT_PREFIX, SEARCH_INDEXES, TABLE_ACTIONS, grantTableAccess } from './grants.js';
import { deadLetterQueue } from './dead-letters.js';
import { serviceFunction, type ServiceFunction } from './service-function.js';

export type ExportRunnerProps = { table: ITable; bucket: IBucket; publicBaseUrl: string };

/** How the export runner reads the stream; exported for the template tests. */
export const EXPORT_STREAM_SETTINGS = {
  // One job at a time: an export may take minutes, and a batch retries as a whole.
  batchSize: 1,
  retryAttempts: 2,
  timeout: Duration.minutes(15),
} as const;

/**
 * Runs export jobs off the request path: a second consumer of the table's stream that sees only
 * inserted export items (the filter), searches page by page, writes the file under `exports/` and
 * marks the job done. A job still failing after its retries goes to its own dead-letter queue.
 */
export class ExportRunner extends Construct {
  readonly fn: ServiceFunction;
  readonly deadLetterQueue: Queue;
  readonly eventSource: DynamoEventSource;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ExportRunnerProps) {
    super(scope, id);
    this.fn = serviceFunction(this, 'ExportRunner', {
      entry: EXPORT_FUNCTION_ENTRY,
      description: 'Runs invoice exports (CSV, XLSX) into the bucket',
      // 100,000 rows are held in memory while the file is built.
      memorySize: 1536,
      timeout: EXPORT_STREAM_SETTINGS.timeout,
      environment: {
        TABLE_NAME: props.table.tableName,
        PUBLIC_BASE_URL: props.publicBaseUrl,
        BUCKET_NAME: props.bucket.bucketName,
      },
    });
    // Reads invoices through the search indexes and links; writes the job's progress.
    grantTableAccess(this.fn, props.table, [...TABLE_ACTIONS, ...BATCH_READ_ACTIONS], SEARCH_INDEXES);
    this.fn.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [props.bucket.arnForObjects(`${EXPORT_PREFIX}*`)] }),
    );

    const dead = deadLetterQueue(this, 'An export job failed after all retries: see the export dead-letter queue.');
    this.deadLetterQueue = dead.queue;
    this.deadLetterAlarm = dead.alarm;
    this.eventSource = new DynamoEventSource(props.table, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: EXPORT_STREAM_SETTINGS.batchSize,
      bisectBatchOnError: false,
      reportBatchItemFailures: true,
      retryAttempts: EXPORT_STREAM_SETTINGS.retryAttempts,
      onFailure: new SqsDlq(this.deadLetterQueue),
      filters: EXPORT_FILTERS.map((p) => FilterCriteria.filter(p)),
    });
    this.fn.addEventSource(this.eventSource);
  }
}
