import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { OVERDUE_JOB_ENTRY } from '../routes.js';
import { TABLE_DEFINITION } from '../table-definition.js';
import { serviceFunction } from './service-function.js';

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
  readonly fn: NodejsFunction;
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

    // The schedule's role, that only the scheduler of this account and schedule group may assume,
    // allowed to invoke this function and nothing else (LambdaInvoke grants that). Made here
    // rather than left to LambdaInvoke so that the stack can name it.
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
      description: 'Flags past-due invoices',
      schedule: ScheduleExpression.rate(Duration.hours(1)),
      target: new LambdaInvoke(this.fn, {
        role: this.scheduleRole,
        input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
        // Delivery retries (throttling); a run an hour late is superseded by the next one.
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });

    // A run that could not check or flag some invoice fails its invocation (the next run retries).
    this.errorsAlarm = new Alarm(this, 'ErrorsAlarm', {
      alarmDescription:
        'The past-due job failed: some invoices were not checked or flagged (the next hourly run retries them).',
      metric: this.fn.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
