import { Duration } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { REMINDERS_JOB_ENTRY } from '../routes.js';
import { TABLE_DEFINITION } from '../table-definition.js';
import { SES_SEND_ACTIONS } from './grants.js';
import { hourlyJob } from './hourly-job.js';
import { serviceFunction, type ServiceFunction } from './service-function.js';

/** The sparse index of open invoices by the date of their next reminder step (the only thing the job reads in bulk). */
export const REMINDER_INDEX = 'gsi8';

export type RemindersJobProps = {
  table: ITable;
  publicBaseUrl: string;
  mailFrom: string;
  /** arn:aws:ses:<region>:<account>:identity/<identity>: the only identity it may send as. */
  mailIdentityArn: string;
};

/**
 * The payment reminders job: an EventBridge Scheduler schedule invokes it hourly. It reads the
 * sparse reminders index, claims each due step in one transaction with the reminder item and the
 * history entry, then emails the invoice's contacts. The stream consumer publishes
 * `invoice.reminderSent` from the reminder item. Two runs at once send each step once.
 */
export class RemindersJob extends Construct {
  readonly fn: ServiceFunction;
  readonly schedule: Schedule;
  readonly scheduleRole: Role;
  readonly errorsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: RemindersJobProps) {
    super(scope, id);
    if (!TABLE_DEFINITION.globalSecondaryIndexes.some((g) => g.indexName === REMINDER_INDEX)) {
      throw new Error(`the table has no ${REMINDER_INDEX} index for the reminders job`);
    }
    this.fn = serviceFunction(this, 'RemindersJob', {
      entry: REMINDERS_JOB_ENTRY,
      description: 'Sends the payment reminders that are due (hourly)',
      timeout: Duration.minutes(10),
      environment: {
        TABLE_NAME: props.table.tableName,
        PUBLIC_BASE_URL: props.publicBaseUrl,
        MAIL_FROM: props.mailFrom,
      },
    });
    // Query on the reminders index only (never the table or another index, never Scan). On items:
    // GetItem (invoices, settings, contacts), PutItem (the invoice and the reminder in the claim's
    // transaction, with the history entry) and UpdateItem (re-keying an invoice to a new plan).
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${props.table.tableArn}/index/${REMINDER_INDEX}`],
      }),
    );
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
      }),
    );
    this.fn.addToRolePolicy(
      new PolicyStatement({ actions: [...SES_SEND_ACTIONS], resources: [props.mailIdentityArn] }),
    );
    const job = hourlyJob(this, this.fn, {
      description: 'Sends the payment reminders that are due',
      alarm: 'The payment reminders job failed: some reminders were not sent (the next hourly run retries them).',
    });
    this.schedule = job.schedule;
    this.scheduleRole = job.scheduleRole;
    this.errorsAlarm = job.errorsAlarm;
  }
}
