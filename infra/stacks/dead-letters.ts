import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * The on-failure destination of a stream consumer: an encrypted, TLS-only queue that keeps
 * messages 14 days, and an alarm on the first message, so nothing fails silently. Made under the
 * ids `DeadLetterQueue` and `DeadLetterAlarm` of `scope`.
 */
export function deadLetterQueue(
  scope: Construct,
  alarmDescription: string,
  options: { fifo?: boolean } = {},
): { queue: Queue; alarm: Alarm } {
  const queue = new Queue(scope, 'DeadLetterQueue', {
    // A FIFO queue's dead letters must be a FIFO queue too.
    ...(options.fifo ? { fifo: true } : {}),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const alarm = new Alarm(scope, 'DeadLetterAlarm', {
    alarmDescription,
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
    threshold: 0,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  return { queue, alarm };
}
