import { Duration, Size } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, type IFunction, type ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RENDER_SETTINGS } from '../render-settings.js';
import { RENDER_FUNCTION_ENTRY } from '../routes.js';
import { CHROMIUM_PACKAGE } from './chromium-layer.js';
import { deadLetterQueue } from './dead-letters.js';
import { grantDocumentRendering, grantTableAccess } from './grants.js';
import { serviceFunction, type ServiceFunction } from './service-function.js';

/**
 * What a render does on the table: read the invoice's parties, ledger and PDF record, write the PDF
 * record (with its history entry and chain link in one transaction: Put, Update, ConditionCheck)
 * and the invoice's or credit note's ready mark. No Delete, no Scan.
 */
export const RENDER_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:ConditionCheckItem',
] as const;

/** SQS's largest message: a job carries the invoice image (at most a 400 KB item). */
const MAX_MESSAGE_BYTES = 1024 * 1024;

export type PdfRendererProps = {
  table: ITable;
  bucket: IBucket;
  /** The Object Lock retention of the PDFs it stores. */
  documentRetentionDays: number;
  /** The Chromium layer (shared with the stream consumer). */
  layer: ILayerVersion;
  publicBaseUrl: string;
};

/**
 * PDFs off the stream consumer's path (domain/stream/render-jobs.ts): a FIFO render queue (one
 * message group per invoice: its renders in order, never two at once; a job's id deduplicates
 * replays), the renderer function with its own maximum concurrency draining it in batches (each
 * instance prints on several pages at once), a FIFO dead-letter queue with an alarm on its first
 * message, and an alarm when the oldest job waits too long (renders falling behind a burst).
 */
export class PdfRenderer extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;
  readonly backlogAlarm: Alarm;
  readonly fn: ServiceFunction;
  readonly eventSource: SqsEventSource;

  constructor(scope: Construct, id: string, props: PdfRendererProps) {
    super(scope, id);
    const dead = deadLetterQueue(
      this,
      'Render jobs the renderer failed on every receive (a document it cannot render): see the dead-letter queue; the invoice events went out regardless.',
      { fifo: true },
    );
    this.deadLetterQueue = dead.queue;
    this.deadLetterAlarm = dead.alarm;
    this.queue = new Queue(this, 'Queue', {
      fifo: true,
      // High-throughput FIFO: the limits apply per message group (per invoice), not to the queue.
      deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      maxMessageSizeBytes: MAX_MESSAGE_BYTES,
      visibilityTimeout: Duration.seconds(RENDER_SETTINGS.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(RENDER_SETTINGS.retentionDays),
      deadLetterQueue: { queue: dead.queue, maxReceiveCount: RENDER_SETTINGS.maxReceiveCount },
    });
    this.fn = serviceFunction(this, 'Renderer', {
      entry: RENDER_FUNCTION_ENTRY,
      description: 'Renders invoice and credit note PDFs (and e-invoices) off the render queue',
      // The layer's Chromium is an x64 build.
      architecture: Architecture.X86_64,
      // Chromium wants memory, and Lambda gives CPU with it: 2,048 MB is above one full vCPU.
      memorySize: RENDER_SETTINGS.memoryMb,
      timeout: Duration.seconds(RENDER_SETTINGS.functionTimeoutSeconds),
      // Unpacked Chromium takes about 210 MB of /tmp beside the browser profile.
      ephemeralStorageSize: Size.mebibytes(1024),
      layers: [props.layer],
      externalModules: [CHROMIUM_PACKAGE],
      environment: {
        TABLE_NAME: props.table.tableName,
        PUBLIC_BASE_URL: props.publicBaseUrl,
        BUCKET_NAME: props.bucket.bucketName,
        DOCUMENT_RETENTION_DAYS: String(props.documentRetentionDays),
      },
    });
    // Query on gsi1 only to find where an account's audit chain ends (chain-end.ts).
    grantTableAccess(this.fn, props.table, RENDER_TABLE_ACTIONS, ['gsi1']);
    // PDFs and e-invoices under their prefix, each with its retention lock; logos read.
    grantDocumentRendering(this.fn, props.bucket);
    this.eventSource = new SqsEventSource(this.queue, {
      batchSize: RENDER_SETTINGS.batchSize,
      reportBatchItemFailures: true,
      // The renderer's own concurrency limit: a burst queues, it does not take the account's
      // whole concurrency from the API (and needs no reserved concurrency to be deployable).
      maxConcurrency: RENDER_SETTINGS.maxConcurrency,
    });
    this.fn.addEventSource(this.eventSource);
    this.backlogAlarm = new Alarm(this, 'BacklogAlarm', {
      alarmDescription: 'Render jobs wait too long: PDFs are late (raise the renderer maximum concurrency?).',
      metric: this.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: RENDER_SETTINGS.oldestJobAlarmSeconds,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** A function that queues render jobs: the queue's URL in its environment, and SendMessage on it only. */
  allowEnqueue(fn: IFunction & { addEnvironment(key: string, value: string): unknown }) {
    fn.addEnvironment('RENDER_QUEUE_URL', this.queue.queueUrl);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
  }
}
