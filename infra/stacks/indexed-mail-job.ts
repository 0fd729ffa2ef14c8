import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { TABLE_DEFINITION } from '../table-definition.js';
import { grantLogoReads, SES_SEND_ACTIONS } from './grants.js';
import { hourlyJob } from './hourly-job.js';
import { serviceFunction, type ServiceFunction } from './service-function.js';

export type IndexedMailJobProps = {
  table: ITable;
  /** The document bucket: the seller's logo, carried in the emails, is read from it. */
  bucket: IBucket;
  publicBaseUrl: string;
  mailFrom: string;
  /** arn:aws:ses:<region>:<account>:identity/<identity>: the only identity it may send as. */
  mailIdentityArn: string;
};

/** What sets one such job apart from another. */
export type IndexedMailJobShape = {
  /** The sparse index it reads in bulk (the only thing it reads in bulk). */
  index: string;
  entry: string;
  functionId: string;
  description: string;
  scheduleDescription: string;
  alarm: string;
  /**
   * It issues documents, which take a link of the account's audit chain: it may Query the chain's
   * partition and gsi1 (the links' witnesses) to find where the chain ends (functions/dynamodb/chain-end.ts).
   */
  issuesDocuments: boolean;
};

/**
 * An hourly job that reads one sparse index, writes items and sends mail as the sender identity:
 * the recurring invoice job and the payment reminders job. Query on its index only (never another,
 * never Scan); GetItem, PutItem and UpdateItem on items (reads, the claim's transaction, counters
 * and re-keying); SES only as the sender; S3 GetObject on the logos only.
 */
export class IndexedMailJob extends Construct {
  readonly fn: ServiceFunction;
  readonly schedule: Schedule;
  /** The role EventBridge Scheduler invokes the job with. */
  readonly scheduleRole: Role;
  readonly errorsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: IndexedMailJobProps, shape: IndexedMailJobShape) {
    super(scope, id);
    if (!TABLE_DEFINITION.globalSecondaryIndexes.some((g) => g.indexName === shape.index)) {
      throw new Error(`the table has no ${shape.index} index for the ${shape.functionId} function`);
    }
    this.fn = serviceFunction(this, shape.functionId, {
      entry: shape.entry,
      description: shape.description,
      // Its reads grow with what is due; a month-start burst still fits.
      timeout: Duration.minutes(10),
      environment: {
        TABLE_NAME: props.table.tableName,
        PUBLIC_BASE_URL: props.publicBaseUrl,
        MAIL_FROM: props.mailFrom,
        BUCKET_NAME: props.bucket.bucketName,
      },
    });
    const indexes = [shape.index, ...(shape.issuesDocuments ? ['gsi1'] : [])];
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: indexes.map((name) => `${props.table.tableArn}/index/${name}`),
      }),
    );
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          ...(shape.issuesDocuments ? ['dynamodb:Query'] : []),
        ],
        resources: [props.table.tableArn],
      }),
    );
    this.fn.addToRolePolicy(
      new PolicyStatement({ actions: [...SES_SEND_ACTIONS], resources: [props.mailIdentityArn] }),
    );
    // Reads the sellers' logos, to carry them in the emails.
    grantLogoReads(this.fn, props.bucket);
    const job = hourlyJob(this, this.fn, { description: shape.scheduleDescription, alarm: shape.alarm });
    this.schedule = job.schedule;
    this.scheduleRole = job.scheduleRole;
    this.errorsAlarm = job.errorsAlarm;
  }
}
