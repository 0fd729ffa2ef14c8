import { Duration, Size } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { STREAM_FUNCTION_ENTRY } from '../routes.js';
import { SIDE_EFFECT_FILTERS } from '../stream-filters.js';
import { CHROMIUM_PACKAGE, ChromiumLayer } from './chromium-layer.js';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { grantDocumentRendering, grantTableAccess, SES_SEND_ACTIONS, TABLE_ACTIONS } from './grants.js';
import { deadLetterQueue } from './dead-letters.js';
import { serviceFunction, type ServiceFunction } from './service-function.js';

export type StreamConsumerProps = {
  /** The table whose stream (new and old images) drives the side effects. */
  table: ITable;
  bucket: IBucket;
  /** The Object Lock retention of the PDFs it stores. */
  documentRetentionDays: number;
  bus: IEventBus;
  publicBaseUrl: string;
  /** Stripe's keys (read at cold start): voiding or settling an invoice expires its open checkouts. */
  stripeSecret?: ISecret;
  /** Receipts for paid invoices go out from this sender, as this SES identity only. */
  mailFrom: string;
  mailIdentityArn: string;
};

/** How the event source mapping reads the stream; exported for the template tests. */
export const STREAM_SETTINGS = {
  // Ten renders at worst (a cold Chromium takes a few seconds, a page well under one) stay well
  // inside the timeout, so a full batch never times out and retries as a whole.
  batchSize: 10,
  retryAttempts: 3,
  // Stream records live 24 hours; a record that cannot be handled within six goes to the
  // dead-letter queue rather than holding its shard back until it expires.
  maxRecordAge: Duration.hours(6),
  iteratorAgeAlarmMs: 60_000,
} as const;

/**
 * The table's stream consumer: renders PDFs with Chromium into the bucket and publishes the
 * invoice events to the bus. Records of a failed batch are retried (bisected, from the first
 * reported failure), and a record still failing after the retries is sent, as a pointer to its
 * shard and sequence numbers, to a dead-letter queue with nothing skipped silently.
 */
export class StreamConsumer extends Construct {
  readonly fn: ServiceFunction;
  readonly deadLetterQueue: Queue;
  readonly eventSource: DynamoEventSource;
  readonly layer: ChromiumLayer;
  readonly deadLetterAlarm: Alarm;
  readonly iteratorAgeAlarm: Alarm;

  constructor(scope: Construct, id: string, props: StreamConsumerProps) {
    super(scope, id);

    this.layer = new ChromiumLayer(this, 'ChromiumLayer');
    this.fn = serviceFunction(this, 'Stream', {
      entry: STREAM_FUNCTION_ENTRY,
      description: 'Invoice side effects from the table stream: PDFs, events, receipts',
      // The layer's Chromium is an x64 build.
      architecture: Architecture.X86_64,
      // Chromium wants memory (and the CPU Lambda gives with it); unpacked it takes about 210 MB
      // of /tmp beside the browser profile.
      memorySize: 2048,
      timeout: Duration.seconds(60),
      ephemeralStorageSize: Size.mebibytes(1024),
      layers: [this.layer],
      // From the layer: esbuild must not move it away from its bin/ folder.
      externalModules: [CHROMIUM_PACKAGE],
      environment: {
        TABLE_NAME: props.table.tableName,
        PUBLIC_BASE_URL: props.publicBaseUrl,
        BUCKET_NAME: props.bucket.bucketName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        DOCUMENT_RETENTION_DAYS: String(props.documentRetentionDays),
        ...(props.stripeSecret ? { STRIPE_SECRET_ARN: props.stripeSecret.secretArn } : {}),
        MAIL_FROM: props.mailFrom,
      },
    });
    // Receipts of paid invoices: only as the sender identity.
    this.fn.addToRolePolicy(
      new PolicyStatement({ actions: [...SES_SEND_ACTIONS], resources: [props.mailIdentityArn] }),
    );

    // Reads invoices and contacts; writes the PDF record, the event marks and the invoice's pdf
    // field. Key lookups and Query on the table; Query on gsi1 only to find where an account's
    // audit chain ends before a stored PDF or e-invoice takes its link (chain-end.ts), and on gsi5
    // (by status) for an account's open invoices, re-keyed when its reminder settings change.
    grantTableAccess(this.fn, props.table, TABLE_ACTIONS, ['gsi1', 'gsi5']);
    props.stripeSecret?.grantRead(this.fn);
    // Renders inline where no render queue is configured: PDFs under their prefix, logos read.
    grantDocumentRendering(this.fn, props.bucket);
    // Publishes to this bus only.
    this.fn.addToRolePolicy(new PolicyStatement({ actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }));

    const dead = deadLetterQueue(
      this,
      'Stream records failed after all retries: see the dead-letter queue (each message points at the shard and sequence numbers).',
    );
    this.deadLetterQueue = dead.queue;
    this.deadLetterAlarm = dead.alarm;

    this.eventSource = new DynamoEventSource(props.table, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: STREAM_SETTINGS.batchSize,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: STREAM_SETTINGS.retryAttempts,
      maxRecordAge: STREAM_SETTINGS.maxRecordAge,
      onFailure: new SqsDlq(this.deadLetterQueue),
      // The items whose changes set something off (infra/stream-filters.ts, which the local poller
      // applies too); counters, guards, PDF records and event marks never reach the function.
      filters: SIDE_EFFECT_FILTERS.map((p) => FilterCriteria.filter(p)),
    });
    this.fn.addEventSource(this.eventSource);

    this.iteratorAgeAlarm = new Alarm(this, 'IteratorAgeAlarm', {
      alarmDescription: 'The stream consumer is falling behind: PDFs and events are late.',
      metric: this.fn.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: STREAM_SETTINGS.iteratorAgeAlarmMs,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
