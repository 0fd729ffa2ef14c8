import { describe, expect, test } from 'vitest';
import { DEFAULT_RETRY_SECONDS } from '../../domain/webhooks/delivery.js';
import { DELIVERY_SETTINGS } from '../../infra/stacks/webhook-delivery.js';
import {
  actionsOf,
  crossStackRef,
  logicalId,
  resourcesOf,
  resourcesOfStatement,
  rolesGranted,
  roleStatements,
  synthApp,
} from './synth-app.js';

const { stateful, api, statefulTemplate, apiTemplate: template } = synthApp();
const resources = (type: string) => resourcesOf(template, type);
const tableId = logicalId(stateful, stateful.table);
const isTableArn = crossStackRef(stateful, statefulTemplate, { 'Fn::GetAtt': [tableId, 'Arn'] });

const w = api.webhookDelivery;
const queueId = logicalId(api, w.queue);
const dlqId = logicalId(api, w.deadLetterQueue);
const fnId = logicalId(api, w.fn);
const roleId = logicalId(api, w.fn.role!);

describe('the webhook delivery queue', () => {
  test('is encrypted, TLS-only, keeps messages 14 days, and redrives to its dead-letter queue after the schedule and some slack', () => {
    const q = resources('AWS::SQS::Queue')[queueId]!.Properties!;
    expect(q.SqsManagedSseEnabled).toBe(true);
    expect(q.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(q.VisibilityTimeout).toBe(DELIVERY_SETTINGS.visibilityTimeoutSeconds);
    // Six times the function's timeout, as Lambda advises for SQS sources.
    expect(q.VisibilityTimeout).toBeGreaterThanOrEqual(6 * DELIVERY_SETTINGS.functionTimeoutSeconds);
    expect(q.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: DELIVERY_SETTINGS.maxReceiveCount,
    });
    // Every attempt of the default schedule is one receive: the redrive must not cut it short.
    expect(DELIVERY_SETTINGS.maxReceiveCount).toBeGreaterThan(DEFAULT_RETRY_SECONDS.length + 1);
    // The longest retry delay is a visibility timeout, which SQS caps at 12 hours.
    expect(Math.max(...DEFAULT_RETRY_SECONDS)).toBeLessThanOrEqual(12 * 3600);
    const policies = Object.values(resources('AWS::SQS::QueuePolicy')).filter((p) =>
      JSON.stringify(p.Properties!.Queues).includes(queueId),
    );
    expect(JSON.stringify(policies)).toContain('aws:SecureTransport');
  });

  test('its dead-letter queue raises an alarm on the first message', () => {
    const alarm = Object.values(resources('AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties!)
      .find((a) => JSON.stringify(a.Dimensions ?? null).includes(dlqId));
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      EvaluationPeriods: 1,
    });
  });

  test('feeds the delivery function in batches of ten with partial batch responses', () => {
    const mapping = Object.values(resources('AWS::Lambda::EventSourceMapping')).find(
      (m) => JSON.stringify(m.Properties!.FunctionName) === JSON.stringify({ Ref: fnId }),
    )!.Properties!;
    expect(mapping.EventSourceArn).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
    expect(mapping.BatchSize).toBe(10);
    expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });
});

describe('the delivery function', () => {
  test('runs on nodejs22.x with a timeout above ten parallel 10 s POSTs, and the queue URL', () => {
    const props = resources('AWS::Lambda::Function')[fnId]!.Properties!;
    expect(props).toMatchObject({ Runtime: 'nodejs22.x', Timeout: DELIVERY_SETTINGS.functionTimeoutSeconds });
    const vars = (props.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars.WEBHOOK_QUEUE_URL).toEqual({ Ref: queueId });
    // Never in AWS: loopback receivers are for a developer's machine.
    expect(vars.WEBHOOKS_ALLOW_LOOPBACK).toBeUndefined();
  });

  test('least privilege: GetItem, BatchGetItem and UpdateItem on the table, its queue only, its own logs; nothing else', () => {
    const statements = roleStatements(template, roleId);
    const seen: string[] = [];
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      const actions = actionsOf(s).sort();
      const targets = resourcesOfStatement(s);
      expect(targets).not.toContain('*');
      seen.push(...actions);
      const ok =
        (JSON.stringify(actions) === '["dynamodb:BatchGetItem","dynamodb:GetItem","dynamodb:UpdateItem"]' &&
          targets.length === 1 &&
          isTableArn(targets[0])) ||
        (actions.every((a) => a.startsWith('sqs:')) &&
          JSON.stringify(targets) === JSON.stringify([{ 'Fn::GetAtt': [queueId, 'Arn'] }])) ||
        JSON.stringify(actions) === '["logs:CreateLogStream","logs:PutLogEvents"]';
      expect(ok, JSON.stringify(s)).toBe(true);
    }
    expect(seen).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']),
    );
    expect(seen).not.toContain('sqs:SendMessage');
  });

  test('only the stream consumer and the webhooks API function may send to the queue', () => {
    const senders = rolesGranted(template, 'sqs:SendMessage').filter((r) =>
      roleStatements(template, r).some(
        (s) =>
          actionsOf(s).includes('sqs:SendMessage') &&
          // CDK merges the stream consumer's two SendMessage grants (this queue, the render queue) into one statement.
          resourcesOfStatement(s).some((t) => JSON.stringify(t) === JSON.stringify({ 'Fn::GetAtt': [queueId, 'Arn'] })),
      ),
    );
    expect(senders.sort()).toEqual(
      [logicalId(api, api.streamConsumer.fn.role!), logicalId(api, api.functions.webhooks.role!)].sort(),
    );
  });
});
