import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { RECURRING_JOB_ENTRY } from '../routes.js';
import { TABLE_DEFINITION } from '../table-definition.js';
import { SES_SEND_ACTIONS } from './grants.js';
import { hourlyJob } from './hourly-job.js';
import { serviceFunction, type ServiceFunction } from './service-function.js';

/** The sparse index of active recurring schedules by next run date (the only thing the job reads in bulk). */
export const RECURRING_INDEX = 'gsi7';

export type RecurringJobProps = {
  table: ITable;
  publicBaseUrl: string;
  mailFrom: string;
  /** arn:aws:ses:<region>:<account>:identity/<identity>: the only identity it may send as. */
  mailIdentityArn: string;
};

/**
 * The recurring invoice job: an EventBridge Scheduler schedule invokes it hourly. It reads the
 * sparse due index, and for each schedule due claims the period and creates the invoice in one
 * transaction (its number, guard and links included), then sends it when the schedule says so.
 * The stream consumer renders the PDF and publishes the events. Two runs at once are safe.
 */
export class RecurringJob extends Construct {
  readonly fn: ServiceFunction;
  readonly schedule: Schedule;
  /** The role EventBridge Scheduler invokes the job with. */
  readonly scheduleRole: Role;
  readonly errorsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: RecurringJobProps) {
    super(scope, id);
    if (!TABLE_DEFINITION.globalSecondaryIndexes.some((g) => g.indexName === RECURRING_INDEX)) {
      throw new Error(`the table has no ${RECURRING_INDEX} index for the recurring job`);
    }

    this.fn = serviceFunction(this, 'RecurringJob', {
      entry: RECURRING_JOB_ENTRY,
      description: 'Issues recurring invoices that are due (hourly)',
      // Its reads grow with the schedules due; a month-start burst of issues still fits.
      timeout: Duration.minutes(10),
      environment: {
        TABLE_NAME: props.table.tableName,
        PUBLIC_BASE_URL: props.publicBaseUrl,
        MAIL_FROM: props.mailFrom,
      },
    });
    // Query on the due index; and, because an invoice born open takes a link of its account's audit
    // chain, Query on the chain's partition and on gsi1 (its witnesses) to find where the chain
    // ends (functions/dynamodb/chain-end.ts). Never another index, never Scan. On items: GetItem
    // (schedules, settings, the records a template names, counters), PutItem (the schedule and the
    // invoice with its slug, links, number guard and chain entry, in one transaction) and UpdateItem
    // (the number counter in that transaction).
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${props.table.tableArn}/index/${RECURRING_INDEX}`, `${props.table.tableArn}/index/gsi1`],
      }),
    );
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        resources: [props.table.tableArn],
      }),
    );
    // Schedules that send: only as the sender identity.
    this.fn.addToRolePolicy(
      new PolicyStatement({ actions: [...SES_SEND_ACTIONS], resources: [props.mailIdentityArn] }),
    );

    const job = hourlyJob(this, this.fn, {
      description: 'Issues recurring invoices that are due',
      alarm: 'The recurring invoice job failed: some schedules were not run (the next hourly run retries them).',
    });
    this.schedule = job.schedule;
    this.scheduleRole = job.scheduleRole;
    this.errorsAlarm = job.errorsAlarm;
  }
}
