import { describe, expect, test } from 'vitest';
import { RENDER_SETTINGS } from '../../infra/render-settings.js';
import { RENDER_TABLE_ACTIONS } from '../../infra/stacks/pdf-renderer.js';
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

const r = api.pdfRenderer;
const queueId = logicalId(api, r.queue);
const dlqId = logicalId(api, r.deadLetterQueue);
const fnId = logicalId(api, r.fn);
const roleId = logicalId(api, r.fn.role!);
const streamFnId = logicalId(api, api.streamConsumer.fn);
const queueArn = { 'Fn::GetAtt': [queueId, 'Arn'] };

describe('the render queue', () => {
  test('is FIFO per invoice (high throughput), encrypted, TLS-only, and redrives to a FIFO dead-letter queue', () => {
    const q = resources('AWS::SQS::Queue')[queueId]!.Properties!;
    expect(q).toMatchObject({
      FifoQueue: true,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      SqsManagedSseEnabled: true,
      MaximumMessageSize: 1024 * 1024,
      VisibilityTimeout: RENDER_SETTINGS.visibilityTimeoutSeconds,
      MessageRetentionPeriod: RENDER_SETTINGS.retentionDays * 24 * 3600,
    });
    // Content-based deduplication would drop a job only by its body: the job id (invoice, version, status) is the key.
    expect(q.ContentBasedDeduplication).toBeUndefined();
    expect(q.VisibilityTimeout).toBeGreaterThanOrEqual(6 * RENDER_SETTINGS.functionTimeoutSeconds);
    expect(q.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: RENDER_SETTINGS.maxReceiveCount,
    });
    expect(resources('AWS::SQS::Queue')[dlqId]!.Properties).toMatchObject({
      FifoQueue: true,
      SqsManagedSseEnabled: true,
    });
    const policies = Object.values(resources('AWS::SQS::QueuePolicy')).filter((p) =>
      JSON.stringify(p.Properties!.Queues).includes(queueId),
    );
    expect(JSON.stringify(policies)).toContain('aws:SecureTransport');
  });

  test('alarms on the first dead letter, and on jobs waiting longer than the backlog threshold', () => {
    const alarms = Object.values(resources('AWS::CloudWatch::Alarm')).map((a) => a.Properties!);
    expect(alarms.find((a) => JSON.stringify(a.Dimensions ?? null).includes(dlqId))).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      EvaluationPeriods: 1,
    });
    expect(
      alarms.find(
        (a) =>
          a.MetricName === 'ApproximateAgeOfOldestMessage' && JSON.stringify(a.Dimensions ?? null).includes(queueId),
      ),
    ).toMatchObject({
      Namespace: 'AWS/SQS',
      Threshold: RENDER_SETTINGS.oldestJobAlarmSeconds,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  test('feeds the renderer in batches, with partial batch responses and a maximum concurrency of its own', () => {
    const mapping = Object.values(resources('AWS::Lambda::EventSourceMapping')).find(
      (m) => JSON.stringify(m.Properties!.FunctionName) === JSON.stringify({ Ref: fnId }),
    )!.Properties!;
    expect(mapping.EventSourceArn).toEqual(queueArn);
    expect(mapping.BatchSize).toBe(RENDER_SETTINGS.batchSize);
    // FIFO queues hand a function at most ten messages.
    expect(RENDER_SETTINGS.batchSize).toBeLessThanOrEqual(10);
    expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mapping.ScalingConfig).toEqual({ MaximumConcurrency: RENDER_SETTINGS.maxConcurrency });
  });
});

describe('the renderer function', () => {
  test('runs Chromium from the shared layer (x86_64) with 2 GB, a timeout above a batch, and no event bus', () => {
    const props = resources('AWS::Lambda::Function')[fnId]!.Properties!;
    expect(props).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['x86_64'],
      MemorySize: RENDER_SETTINGS.memoryMb,
      Timeout: RENDER_SETTINGS.functionTimeoutSeconds,
    });
    const streamLayers = resources('AWS::Lambda::Function')[streamFnId]!.Properties!.Layers;
    expect(props.Layers).toEqual(streamLayers);
    const vars = (props.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars.EVENT_BUS_NAME).toBeUndefined();
    expect(vars.RENDER_QUEUE_URL).toBeUndefined();
    expect(Object.keys(vars)).toEqual(expect.arrayContaining(['TABLE_NAME', 'BUCKET_NAME', 'DOCUMENT_RETENTION_DAYS']));
  });

  test('least privilege: render actions on the table, gsi1 Query, PDFs under pdfs/, its queue, its logs; nothing else', () => {
    const seen: string[] = [];
    for (const s of roleStatements(template, roleId)) {
      expect(s.Effect).toBe('Allow');
      const actions = actionsOf(s).sort();
      const targets = resourcesOfStatement(s);
      expect(targets).not.toContain('*');
      seen.push(...actions);
      const ok =
        (JSON.stringify(actions) === JSON.stringify([...RENDER_TABLE_ACTIONS].sort()) &&
          targets.length === 1 &&
          isTableArn(targets[0])) ||
        (JSON.stringify(actions) === '["dynamodb:Query"]' &&
          targets.length === 1 &&
          JSON.stringify(targets[0]).includes('/index/gsi1')) ||
        (JSON.stringify(actions) === '["s3:PutObject","s3:PutObjectRetention"]' &&
          targets.length === 1 &&
          JSON.stringify(targets[0]).includes('/pdfs/*')) ||
        (actions.every((a) => a.startsWith('sqs:')) && JSON.stringify(targets) === JSON.stringify([queueArn])) ||
        JSON.stringify(actions) === '["logs:CreateLogStream","logs:PutLogEvents"]';
      expect(ok, JSON.stringify(s)).toBe(true);
    }
    expect(seen).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    for (const never of ['sqs:SendMessage', 'dynamodb:DeleteItem', 'dynamodb:Scan', 'events:PutEvents', 's3:GetObject'])
      expect(seen).not.toContain(never);
  });

  test('only the stream consumer may send to the render queue, and it has the queue URL', () => {
    const senders = rolesGranted(template, 'sqs:SendMessage').filter((role) =>
      roleStatements(template, role).some(
        (s) =>
          actionsOf(s).includes('sqs:SendMessage') &&
          resourcesOfStatement(s).some((t) => JSON.stringify(t) === JSON.stringify(queueArn)),
      ),
    );
    expect(senders).toEqual([logicalId(api, api.streamConsumer.fn.role!)]);
    const vars = (
      resources('AWS::Lambda::Function')[streamFnId]!.Properties!.Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(vars.RENDER_QUEUE_URL).toEqual({ Ref: queueId });
  });
});
