import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { OVERDUE_JOB_ENTRY } from '../routes.js';
import { TABLE_DEFINITION } from '../table-definition.js';
import { hourlyJob } from './hourly-job.js';
import { serviceFunction, type ServiceFunction } from './service-function.js';

/** The sparse index of open, unflagged invoices by due date (the only thing the job reads in bulk). */
export const OVERDUE_INDEX = 'gsi2';

export type OverdueJobProps = {
  table: ITable;
  publicBaseUrl: string;
};

/**
 * The past-due job: an EventBridge Scheduler schedule invokes it hourly. It reads the sparse
 * index and each account's settings, and flags invoices with one conditional update each; the
 * stream consumer then publishes `invoice.pastDue`. Running twice, or two runs at once, is safe.
 */
export class OverdueJob extends Construct {
  readonly fn: ServiceFunction;
  readonly schedule: Schedule;
  /** The role EventBridge Scheduler invokes the job with. */
  readonly scheduleRole: Role;
  readonly errorsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: OverdueJobProps) {
    super(scope, id);
    if (!TABLE_DEFINITION.globalSecondaryIndexes.some((g) => g.indexName === OVERDUE_INDEX)) {
      throw new Error(`the table has no ${OVERDUE_INDEX} index for the past-due job`);
    }

    this.fn = serviceFunction(this, 'OverdueJob', {
      entry: OVERDUE_JOB_ENTRY,
      description: 'Flags past-due invoices (hourly)',
      // Its reads grow with the past-due invoices, not the table; a backlog after an outage
      // still fits.
      timeout: Duration.minutes(5),
      environment: { TABLE_NAME: props.table.tableName, PUBLIC_BASE_URL: props.publicBaseUrl },
    });
    // Query on the past-due index only (never the table or another index, never Scan); GetItem
    // for the settings (time zones) and UpdateItem to flag, on the table's items.
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${props.table.tableArn}/index/${OVERDUE_INDEX}`],
      }),
    );
    this.fn.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [props.table.tableArn] }),
    );

    const job = hourlyJob(this, this.fn, {
      description: 'Flags past-due invoices',
      alarm: 'The past-due job failed: some invoices were not checked or flagged (the next hourly run retries them).',
    });
    this.schedule = job.schedule;
    this.scheduleRole = job.scheduleRole;
    this.errorsAlarm = job.errorsAlarm;
  }
}
