import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { RECURRING_JOB_ENTRY } from '../routes.js';
import { TABLE_DEFINITION } from '../table-definition.js';
import { SES_SEND_ACTIONS } from './grants.js';
import { serviceFunction } from './service-function.js';

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
  readonly fn: NodejsFunction;
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
    // Query on the due index only (never the table or another index, never Scan). On items:
    // GetItem (schedules, settings, the records a template names, counters), PutItem (the schedule
    // and the invoice with its slug, links and number guard, in one transaction) and UpdateItem
    // (the number counter in that transaction).
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${props.table.tableArn}/index/${RECURRING_INDEX}`],
      }),
    );
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
      }),
    );
    // Schedules that send: only as the sender identity.
    this.fn.addToRolePolicy(
      new PolicyStatement({ actions: [...SES_SEND_ACTIONS], resources: [props.mailIdentityArn] }),
    );

    // As for the past-due job: a role only the scheduler of this account and group may assume,
    // allowed to invoke this function and nothing else.
    const stack = Stack.of(this);
    this.scheduleRole = new Role(this, 'ScheduleRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: 'default',
            }),
          },
        },
      }),
    });
    this.schedule = new Schedule(this, 'Hourly', {
      description: 'Issues recurring invoices that are due',
      schedule: ScheduleExpression.rate(Duration.hours(1)),
      target: new LambdaInvoke(this.fn, {
        role: this.scheduleRole,
        input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
        // Delivery retries (throttling); a run an hour late is superseded by the next one, which
        // issues the current period and lists the missed ones.
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });

    this.errorsAlarm = new Alarm(this, 'ErrorsAlarm', {
      alarmDescription:
        'The recurring invoice job failed: some schedules were not run (the next hourly run retries them).',
      metric: this.fn.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
