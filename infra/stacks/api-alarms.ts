import { Duration } from 'aws-cdk-lib';
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

/** When the API's 5xx rate raises an alarm; exported for the template tests. */
export const SERVER_ERROR_ALARM = {
  period: Duration.minutes(5),
  /** Percent of requests answered with a 5xx. */
  thresholdPercent: 5,
  /** Below this many requests in a period the rate is too noisy to mean anything (one failure in three requests). */
  minRequests: 20,
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
} as const;

/**
 * An alarm on the share of the stage's requests answered with a 5xx: a function failing or timing
 * out (API Gateway answers 500/503/504), not a client's mistake (4xx, throttling included).
 */
export function serverErrorRateAlarm(scope: Construct, id: string, stage: HttpStage): Alarm {
  const s = SERVER_ERROR_ALARM;
  const errors = stage.metricServerError({ period: s.period, statistic: 'Sum' });
  const requests = stage.metricCount({ period: s.period, statistic: 'Sum' });
  return new Alarm(scope, id, {
    alarmDescription: `More than ${s.thresholdPercent}% of API requests failed with a 5xx in ${s.datapointsToAlarm} of the last ${s.evaluationPeriods} five-minute periods: see the functions' logs and the API access log.`,
    metric: new MathExpression({
      expression: `IF(requests >= ${s.minRequests}, 100 * errors / requests, 0)`,
      usingMetrics: { errors, requests },
      period: s.period,
      label: '5xx responses (% of requests)',
    }),
    threshold: s.thresholdPercent,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: s.evaluationPeriods,
    datapointsToAlarm: s.datapointsToAlarm,
    // No requests, no failures.
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}
