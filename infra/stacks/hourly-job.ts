import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Construct } from 'constructs';

/**
 * What every scheduled job has: an hourly EventBridge Scheduler schedule that invokes the job's
 * function, the role it invokes with, and an alarm on the function's errors. Made in the job's own
 * construct (`scope`), so each job's resources keep their names.
 *
 * The role may be assumed only by the scheduler of this account and schedule group, and is
 * allowed to invoke this function and nothing else (LambdaInvoke grants that). It is made here
 * rather than left to LambdaInvoke so that the stack can name it.
 */
export function hourlyJob(
  scope: Construct,
  fn: IFunction,
  text: { description: string; alarm: string },
): { schedule: Schedule; scheduleRole: Role; errorsAlarm: Alarm } {
  const stack = Stack.of(scope);
  const scheduleRole = new Role(scope, 'ScheduleRole', {
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
  const schedule = new Schedule(scope, 'Hourly', {
    description: text.description,
    schedule: ScheduleExpression.rate(Duration.hours(1)),
    target: new LambdaInvoke(fn, {
      role: scheduleRole,
      input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
      // Delivery retries (throttling); a run an hour late is superseded by the next one.
      retryAttempts: 3,
      maxEventAge: Duration.hours(1),
    }),
  });
  // A run that could not finish its work fails its invocation; the next hourly run retries it.
  const errorsAlarm = new Alarm(scope, 'ErrorsAlarm', {
    alarmDescription: text.alarm,
    metric: fn.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
    threshold: 0,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  return { schedule, scheduleRole, errorsAlarm };
}
