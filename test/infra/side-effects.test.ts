import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { API_FUNCTIONS } from '../../infra/routes.js';
import { CONTEXT_DEFAULTS } from '../../infra/service-stacks.js';
import {
  REPO_ROOT,
  actionsOf,
  crossStackRef,
  isJoined,
  logicalId,
  resourcesOf,
  resourcesOfStatement,
  roleStatements,
  rolesGranted,
  synthApp,
  type Statement,
} from './synth-app.js';
import { passesFilters, type FilterPattern } from '../../infra/stream-filters.js';

const { stateful, api, statefulTemplate, apiTemplate: template } = synthApp();
const resources = (type: string) => resourcesOf(template, type);
const only = (type: string) => {
  const all = Object.entries(resources(type));
  expect(all, type).toHaveLength(1);
  return { id: all[0]![0], props: all[0]![1].Properties! };
};

const tableId = logicalId(stateful, stateful.table);
const bucketId = logicalId(stateful, stateful.pdfBucket);
const isTableName = crossStackRef(stateful, statefulTemplate, { Ref: tableId });
const isTableArn = crossStackRef(stateful, statefulTemplate, { 'Fn::GetAtt': [tableId, 'Arn'] });
const isStreamArn = crossStackRef(stateful, statefulTemplate, { 'Fn::GetAtt': [tableId, 'StreamArn'] });
const isBucketName = crossStackRef(stateful, statefulTemplate, { Ref: bucketId });
const isPdfObjects = isJoined(
  crossStackRef(stateful, statefulTemplate, { 'Fn::GetAtt': [bucketId, 'Arn'] }),
  '/pdfs/*',
);
const isLogoObjects = isJoined(
  crossStackRef(stateful, statefulTemplate, { 'Fn::GetAtt': [bucketId, 'Arn'] }),
  '/logos/*',
);

const streamFnId = logicalId(api, api.streamConsumer.fn);
const streamRoleId = logicalId(api, api.streamConsumer.fn.role!);
const queueId = logicalId(api, api.streamConsumer.deadLetterQueue);
const busId = logicalId(api, api.bus);
const layerId = logicalId(api, api.streamConsumer.layer);
const exportRoleId = logicalId(api, api.exportRunner.fn.role!);
const apiRoleId = (name: (typeof API_FUNCTIONS)[number]) => logicalId(api, api.functions[name].role!);

const fnProps = (id: string) => resources('AWS::Lambda::Function')[id]!.Properties!;
const logGroupOf = (fnId: string) => (fnProps(fnId).LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
const envOf = (id: string) => (fnProps(id).Environment as { Variables: Record<string, unknown> }).Variables;

/** The event source mapping that feeds one function. */
const mappingOf = (fnId: string) => {
  const all = Object.entries(resources('AWS::Lambda::EventSourceMapping')).filter(
    ([, r]) => JSON.stringify(r.Properties!.FunctionName) === JSON.stringify({ Ref: fnId }),
  );
  expect(all, fnId).toHaveLength(1);
  return { id: all[0]![0], props: all[0]![1].Properties! };
};

describe('the stream consumer', () => {
  const mapping = mappingOf(streamFnId);

  test('reads the table stream from the start (TRIM_HORIZON) into the stream function', () => {
    expect(mapping.props.FunctionName).toEqual({ Ref: streamFnId });
    expect(isStreamArn(mapping.props.EventSourceArn), JSON.stringify(mapping.props.EventSourceArn)).toBe(true);
    expect(mapping.props.StartingPosition).toBe('TRIM_HORIZON');
    expect(mapping.props.Enabled ?? true).toBe(true);
  });

  test('in small batches, bisecting on error and reporting partial batch failures', () => {
    expect(mapping.props.BatchSize).toBeGreaterThanOrEqual(1);
    expect(mapping.props.BatchSize).toBeLessThanOrEqual(25);
    expect(mapping.props.BisectBatchOnFunctionError).toBe(true);
    expect(mapping.props.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });

  test('retries a bounded number of times over a bounded age, then sends the record to the dead-letter queue', () => {
    // Unset or -1 would retry until the record expires (24 h), holding its shard back.
    expect(mapping.props.MaximumRetryAttempts).toBeGreaterThanOrEqual(1);
    expect(mapping.props.MaximumRetryAttempts).toBeLessThanOrEqual(10);
    expect(mapping.props.MaximumRecordAgeInSeconds).toBeGreaterThanOrEqual(60);
    expect(mapping.props.MaximumRecordAgeInSeconds).toBeLessThan(24 * 3600);
    expect(mapping.props.DestinationConfig).toEqual({ OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } });
    expect(resources('AWS::SQS::Queue')[queueId]).toBeDefined();
  });

  test('is invoked for invoice items (and ledger inserts, payment changes, schedules, settings), whether the record has a new image, an old one or both', () => {
    // The patterns as synthesized, read with the matcher the local stream poller applies.
    const patterns = (mapping.props.FilterCriteria as { Filters: { Pattern: string }[] }).Filters.map(
      (f) => JSON.parse(f.Pattern) as FilterPattern,
    );
    const record = (eventName: string, images: { NewImage?: string; OldImage?: string }) => ({
      eventName,
      dynamodb: Object.fromEntries(
        Object.entries(images).map(([k, entity]) => [k, { pk: { S: 'x' }, entity: { S: entity } }]),
      ),
    });
    const passes = (r: unknown) => passesFilters(patterns, r);
    expect(passes(record('INSERT', { NewImage: 'invoice' }))).toBe(true);
    expect(passes(record('MODIFY', { NewImage: 'invoice', OldImage: 'invoice' }))).toBe(true);
    // REMOVE records carry only the old image.
    expect(passes(record('REMOVE', { OldImage: 'invoice' }))).toBe(true);
    // Counters, number guards, PDF records, event marks, contacts...
    expect(passes(record('INSERT', { NewImage: 'counter' }))).toBe(false);
    expect(passes(record('MODIFY', { NewImage: 'contact', OldImage: 'contact' }))).toBe(false);
    expect(passes(record('REMOVE', { OldImage: 'publishedEvent' }))).toBe(false);
    // Payments and credit notes set off their PDFs and events when inserted; a payment's changes
    // too (an ACH payment settles, a refund, a dispute, a recorded one voided).
    expect(passes(record('INSERT', { NewImage: 'payment' }))).toBe(true);
    expect(passes(record('INSERT', { NewImage: 'creditNote' }))).toBe(true);
    expect(passes(record('MODIFY', { NewImage: 'payment', OldImage: 'payment' }))).toBe(true);
    expect(passes(record('MODIFY', { NewImage: 'creditNote', OldImage: 'creditNote' }))).toBe(false);
    expect(passes(record('INSERT', { NewImage: 'export' }))).toBe(false);
    // A settings save (the first, and later ones) may re-key the open invoices for reminders.
    expect(passes(record('INSERT', { NewImage: 'settings' }))).toBe(true);
    expect(passes(record('MODIFY', { NewImage: 'settings', OldImage: 'settings' }))).toBe(true);
    expect(passes(record('MODIFY', { NewImage: 'paymentSettings', OldImage: 'paymentSettings' }))).toBe(false);
    // A recurring schedule's runs raise its events: inserts and changes (it is never deleted).
    expect(passes(record('INSERT', { NewImage: 'recurringInvoice' }))).toBe(true);
    expect(passes(record('MODIFY', { NewImage: 'recurringInvoice', OldImage: 'recurringInvoice' }))).toBe(true);
  });

  test('its dead-letter queue is encrypted, TLS only, and keeps messages 14 days', () => {
    const queue = resources('AWS::SQS::Queue')[queueId]!.Properties!;
    expect(queue.SqsManagedSseEnabled === true || queue.KmsMasterKeyId !== undefined).toBe(true);
    expect(queue.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    const policies = Object.values(resources('AWS::SQS::QueuePolicy')).filter(
      (p) => JSON.stringify(p.Properties!.Queues) === JSON.stringify([{ Ref: queueId }]),
    );
    const statements = policies.flatMap((p) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'sqs:*',
        Principal: { AWS: '*' },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  test('the stream function has the memory and time Chromium needs, on the architecture of the Chromium it ships', () => {
    const props = fnProps(streamFnId);
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.MemorySize as number).toBeGreaterThanOrEqual(2048);
    expect(props.Timeout as number).toBeGreaterThanOrEqual(30);
    expect(props.Timeout as number).toBeLessThanOrEqual(900);
    // The npm package carries x64 binaries only (arm64 ones come from its GitHub releases).
    const bin = join(REPO_ROOT, 'node_modules/@sparticuz/chromium/bin');
    expect(existsSync(join(bin, 'chromium.br'))).toBe(true);
    expect(readdirSync(bin).filter((f) => /arm64|aarch64/i.test(f))).toEqual([]);
    expect(props.Architectures).toEqual(['x86_64']);
    expect(props.Layers).toEqual([{ Ref: layerId }]);
    const layer = resources('AWS::Lambda::LayerVersion')[layerId]!.Properties!;
    expect(layer.CompatibleArchitectures).toEqual(['x86_64']);
    expect(layer.CompatibleRuntimes).toContain('nodejs22.x');
  });

  test('the stream function gets the table, bucket and bus names, the receipts sender, and nothing local-only', () => {
    const vars = envOf(streamFnId);
    expect(Object.keys(vars).sort()).toEqual([
      'BUCKET_NAME',
      'DOCUMENT_RETENTION_DAYS',
      'EVENT_BUS_NAME',
      'MAIL_FROM',
      'NODE_OPTIONS',
      'POWERTOOLS_LOG_LEVEL',
      'POWERTOOLS_SERVICE_NAME',
      'PUBLIC_BASE_URL',
      'RENDER_QUEUE_URL',
      'STRIPE_SECRET_ARN',
      'TABLE_NAME',
      'WEBHOOK_QUEUE_URL',
    ]);
    expect(vars.RENDER_QUEUE_URL).toEqual({ Ref: logicalId(api, api.pdfRenderer.queue) });
    expect(isTableName(vars.TABLE_NAME)).toBe(true);
    expect(isBucketName(vars.BUCKET_NAME)).toBe(true);
    expect(vars.WEBHOOK_QUEUE_URL).toEqual({ Ref: logicalId(api, api.webhookDelivery.queue) });
    expect(vars.EVENT_BUS_NAME).toEqual({ Ref: busId });
    expect(vars.PUBLIC_BASE_URL).toBe(CONTEXT_DEFAULTS.publicBaseUrl);
    expect(vars.DOCUMENT_RETENTION_DAYS).toBe(String(10 * 365));
  });

  test('the stream function may use the table, read its stream, put PDFs, read logos, put events on the bus, send receipts, read the Stripe secret and fail records to its queue, nothing else', () => {
    const statements = roleStatements(template, streamRoleId);
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      const actions = actionsOf(s);
      const targets = resourcesOfStatement(s);
      const ok =
        // Items: what the API functions have, on the table only (no Scan).
        (actions.every((a) => /^dynamodb:(GetItem|PutItem|UpdateItem|DeleteItem|ConditionCheckItem|Query)$/.test(a)) &&
          targets.every(isTableArn)) ||
        // Query on gsi1 (where an account's audit chain ends, before a stored file takes its link)
        // and gsi5 (an account's open invoices, re-keyed when its reminder settings change) alone.
        (JSON.stringify(actions) === '["dynamodb:Query"]' &&
          targets.length === 2 &&
          isJoined(isTableArn, '/index/gsi1')(targets[0]) &&
          isJoined(isTableArn, '/index/gsi5')(targets[1])) ||
        // Its own log group.
        (JSON.stringify(actions.sort()) === '["logs:CreateLogStream","logs:PutLogEvents"]' &&
          JSON.stringify(targets) === JSON.stringify([{ 'Fn::GetAtt': [logGroupOf(streamFnId), 'Arn'] }])) ||
        // The stream, for the event source mapping (ListStreams cannot be scoped to a resource).
        (actions.every((a) => /^dynamodb:(DescribeStream|GetRecords|GetShardIterator)$/.test(a)) &&
          targets.every(isStreamArn)) ||
        (JSON.stringify(actions) === '["dynamodb:ListStreams"]' && JSON.stringify(targets) === '["*"]') ||
        (JSON.stringify(actions) === '["s3:PutObject","s3:PutObjectRetention"]' &&
          targets.length === 1 &&
          isPdfObjects(targets[0])) ||
        // The sellers' logos, read to print them in the PDFs.
        (JSON.stringify(actions) === '["s3:GetObject"]' && targets.length === 1 && isLogoObjects(targets[0])) ||
        (JSON.stringify(actions) === '["events:PutEvents"]' &&
          JSON.stringify(targets) === JSON.stringify([{ 'Fn::GetAtt': [busId, 'Arn'] }])) ||
        // Receipts, as the sender identity only.
        (actions.every((a) => /^ses:(SendEmail|SendRawEmail)$/.test(a)) &&
          /":identity\/example\.com"\]\]\}$/.test(JSON.stringify(targets[0]))) ||
        (actions.every((a) => /^sqs:(SendMessage|GetQueueAttributes|GetQueueUrl)$/.test(a)) &&
          JSON.stringify(targets) === JSON.stringify([{ 'Fn::GetAtt': [queueId, 'Arn'] }])) ||
        // Stripe's keys, to expire the open checkouts of an invoice voided or settled.
        (JSON.stringify(actions.sort()) === '["secretsmanager:DescribeSecret","secretsmanager:GetSecretValue"]' &&
          targets.length === 1 &&
          JSON.stringify(targets[0]).includes(':secret:invoice-service/stripe-')) ||
        // Webhook deliveries fanned out from the events and render jobs for the renderer:
        // SendMessage on those two queues only (CDK merges the two grants into one statement).
        (JSON.stringify(actions) === '["sqs:SendMessage"]' &&
          JSON.stringify(targets.map((t) => JSON.stringify(t)).sort()) ===
            JSON.stringify(
              [api.webhookDelivery.queue, api.pdfRenderer.queue]
                .map((q) => JSON.stringify({ 'Fn::GetAtt': [logicalId(api, q), 'Arn'] }))
                .sort(),
            ));
      expect(ok, JSON.stringify(s)).toBe(true);
    }
    const granted = new Set(statements.flatMap(actionsOf));
    for (const a of [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:GetRecords',
      's3:PutObject',
      'events:PutEvents',
      'sqs:SendMessage',
    ])
      expect([...granted]).toContain(a);
  });
});

describe('the event bus', () => {
  test('exists, and only the stream function may put events, on that bus only', () => {
    const bus = only('AWS::Events::EventBus');
    expect(bus.id).toBe(busId);
    expect(rolesGranted(template, 'events:PutEvents')).toEqual([streamRoleId]);
    const putEvents = roleStatements(template, streamRoleId).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('events:')),
    );
    expect(putEvents.map((s) => [actionsOf(s), s.Resource])).toEqual([
      [['events:PutEvents'], { 'Fn::GetAtt': [busId, 'Arn'] }],
    ]);
    template.hasOutput('EventBusName', { Value: { Ref: busId } });
  });
});

describe('S3 and SES grants across the whole stack', () => {
  const s3Statements = (roleId: string) =>
    roleStatements(template, roleId).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));

  test('only the stream function, the PDF renderer, the export runner and settings (logos) may put objects, only the invoices, buyer, index, stream and renderer functions and the two mailing jobs (logos) may get them, and nothing else in S3', () => {
    const rendererRoleId = logicalId(api, api.pdfRenderer.fn.role!);
    expect(rolesGranted(template, 's3:PutObject')).toEqual(
      [streamRoleId, exportRoleId, rendererRoleId, apiRoleId('settings')].sort(),
    );
    expect(rolesGranted(template, 's3:GetObject')).toEqual(
      [
        apiRoleId('buyer'),
        apiRoleId('invoices'),
        apiRoleId('index'),
        streamRoleId,
        rendererRoleId,
        logicalId(api, api.recurringJob.fn.role!),
        logicalId(api, api.remindersJob.fn.role!),
      ].sort(),
    );
    // Only the stream function (inline renders) and the renderer lock what they store: the issued PDFs.
    expect(rolesGranted(template, 's3:PutObjectRetention')).toEqual([streamRoleId, rendererRoleId].sort());
    const lock = s3Statements(streamRoleId).filter((s) => actionsOf(s).includes('s3:PutObjectRetention'));
    expect(lock).toHaveLength(1);
    expect(JSON.stringify(lock[0]!.Resource)).toContain('/pdfs/*');
    for (const action of [
      's3:DeleteObject',
      's3:ListBucket',
      's3:PutBucketPolicy',
      's3:GetObjectVersion',
      's3:BypassGovernanceRetention',
      's3:PutObjectLegalHold',
    ])
      expect(rolesGranted(template, action), action).toEqual([]);
  });

  test('the index function may only read exports: s3:GetObject under exports/ (to presign links)', () => {
    const statements = s3Statements(apiRoleId('index'));
    expect(statements).toHaveLength(1);
    expect(actionsOf(statements[0]!)).toEqual(['s3:GetObject']);
    expect(
      isJoined(
        crossStackRef(stateful, statefulTemplate, { 'Fn::GetAtt': [bucketId, 'Arn'] }),
        '/exports/*',
      )(resourcesOfStatement(statements[0]!)[0]),
    ).toBe(true);
  });

  test('every other S3 grant is on the pdfs/ prefix (one action, or put with its retention lock) or a read of logos/', () => {
    const roles = [streamRoleId, apiRoleId('invoices'), apiRoleId('buyer')];
    for (const role of roles) {
      // Each (action, object prefix) pair granted; CDK may merge the grants of one action into one statement.
      const prefix = (r: unknown) => (isPdfObjects(r) ? 'pdfs' : isLogoObjects(r) ? 'logos' : JSON.stringify(r));
      const pairs = s3Statements(role).flatMap((st) =>
        actionsOf(st).flatMap((a) => resourcesOfStatement(st).map((r) => `${a} ${prefix(r)}`)),
      );
      expect(pairs.sort(), role).toEqual(
        role === streamRoleId
          ? ['s3:GetObject logos', 's3:PutObject pdfs', 's3:PutObjectRetention pdfs']
          : ['s3:GetObject logos', 's3:GetObject pdfs'],
      );
    }
  });

  test('only the invoices function, the recurring job (schedules that send), the reminders job and the stream (receipts) may send email, and only as the sender identity', () => {
    const senders = [
      apiRoleId('invoices'),
      logicalId(api, api.recurringJob.fn.role!),
      logicalId(api, api.remindersJob.fn.role!),
      streamRoleId,
    ];
    for (const action of ['ses:SendEmail', 'ses:SendRawEmail'])
      expect(rolesGranted(template, action).sort(), action).toEqual([...senders].sort());
    for (const role of senders) {
      const ses = roleStatements(template, role).filter((s) => actionsOf(s).some((a) => a.startsWith('ses:')));
      expect(ses).toHaveLength(1);
      expect(JSON.stringify(ses[0]!.Resource)).toMatch(/":identity\/example\.com"\]\]\}$/);
      expect(JSON.stringify(ses[0]!.Resource)).not.toContain('*');
    }
  });

  test('every S3, SES and EventBridge command the adapters send is granted, to the functions that send it', () => {
    // The local runtime enforces no IAM (s3rver, the outbox, the events log), so a new command
    // would only fail in AWS. Each command maps to the IAM action it needs; presigning a
    // GetObject needs s3:GetObject from the signer.
    const needs: Record<string, Record<string, string>> = {
      '@aws-sdk/client-s3': { PutObject: 's3:PutObject', GetObject: 's3:GetObject' },
      '@aws-sdk/client-sesv2': { SendEmail: 'ses:SendEmail' },
      '@aws-sdk/client-eventbridge': { PutEvents: 'events:PutEvents' },
    };
    const sources = readdirSync(join(REPO_ROOT, 'functions'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    const used = new Map<string, string>();
    for (const file of sources) {
      const text = readFileSync(join(REPO_ROOT, 'functions', file), 'utf8');
      for (const [client, commands] of Object.entries(needs)) {
        if (!text.includes(`'${client}'`)) continue;
        for (const m of text.matchAll(/\bnew (\w+)Command\(/g)) {
          expect(
            commands[m[1]!],
            `${file}: ${m[1]}Command of ${client} needs an IAM action here and a grant in infra/stacks`,
          ).toBeDefined();
          used.set(m[1]!, commands[m[1]!]!);
        }
      }
    }
    const grantedTo: Record<string, string[]> = {
      's3:PutObject': [streamRoleId, exportRoleId, apiRoleId('settings')].sort(),
      's3:GetObject': [apiRoleId('buyer'), apiRoleId('invoices'), apiRoleId('index'), streamRoleId].sort(),
      'ses:SendEmail': [
        apiRoleId('invoices'),
        logicalId(api, api.recurringJob.fn.role!),
        logicalId(api, api.remindersJob.fn.role!),
        streamRoleId,
      ].sort(),
      'events:PutEvents': [streamRoleId],
    };
    for (const action of used.values())
      expect(rolesGranted(template, action).sort(), action).toEqual(grantedTo[action]);
  });

  test('every Lambda has a role of its own with no managed or inline role policies, and may write logs to its own log group only', () => {
    const fns = Object.entries(resources('AWS::Lambda::Function'));
    const roleIds = fns.map(([, fn]) => (fn.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]);
    expect(new Set(roleIds).size).toBe(fns.length);
    for (const [i, [fnId]] of fns.entries()) {
      const role = resources('AWS::IAM::Role')[roleIds[i]!]!.Properties!;
      // AWSLambdaBasicExecutionRole would let it create and write any log group of the account.
      expect(role.ManagedPolicyArns, fnId).toBeUndefined();
      expect(role.Policies, fnId).toBeUndefined();
      const logs = roleStatements(template, roleIds[i]!).filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
      expect(
        logs.map((s) => [actionsOf(s).sort(), s.Resource]),
        fnId,
      ).toEqual([[['logs:CreateLogStream', 'logs:PutLogEvents'], { 'Fn::GetAtt': [logGroupOf(fnId), 'Arn'] }]]);
    }
  });

  test('no role may act on every resource ("*") but for the one action AWS allows no other resource for', () => {
    for (const policy of Object.values(resources('AWS::IAM::Policy'))) {
      for (const s of (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement) {
        for (const a of actionsOf(s)) expect(a, 'a wildcard action').not.toContain('*');
        if (!resourcesOfStatement(s).includes('*')) continue;
        // dynamodb:ListStreams has no resource type in IAM, and the stream's event source mapping
        // needs it; it lists stream ARNs, it reads no records.
        // The two stream consumers: side effects and the export runner.
        expect([[{ Ref: streamRoleId }], [{ Ref: exportRoleId }]], JSON.stringify(s)).toContainEqual(
          policy.Properties!.Roles,
        );
        expect([actionsOf(s), s.Resource]).toEqual([['dynamodb:ListStreams'], '*']);
      }
    }
  });
});

/** The three scheduled jobs: what each may do on the table, and what else it needs. */
const JOBS = [
  {
    name: 'the past-due job',
    job: api.overdueJob,
    indexes: ['gsi2'],
    itemActions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    env: [] as string[],
    readsLogos: false,
  },
  {
    name: 'the recurring invoice job',
    job: api.recurringJob,
    // gsi1 and Query on the table: an invoice born open finds where its account's audit chain ends.
    indexes: ['gsi7', 'gsi1'],
    itemActions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    // The bucket: the seller's logo goes into the emails of schedules that send.
    env: ['MAIL_FROM', 'BUCKET_NAME'],
    readsLogos: true,
  },
  {
    name: 'the payment reminders job',
    job: api.remindersJob,
    indexes: ['gsi8'],
    itemActions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    env: ['MAIL_FROM', 'BUCKET_NAME'],
    readsLogos: true,
  },
];
const schedulerRoleIds = JOBS.map(({ job }) => logicalId(api, job.scheduleRole));

describe.each(JOBS)('$name', ({ job, indexes, itemActions, env, readsLogos }) => {
  const jobFnId = logicalId(api, job.fn);
  const jobRoleId = logicalId(api, job.fn.role!);
  const schedules = Object.entries(resources('AWS::Scheduler::Schedule')).filter(
    ([, r]) =>
      JSON.stringify((r.Properties!.Target as { Arn: unknown }).Arn) ===
      JSON.stringify({ 'Fn::GetAtt': [jobFnId, 'Arn'] }),
  );
  const schedule = { id: schedules[0]?.[0], props: schedules[0]?.[1].Properties ?? {} };
  const target = schedule.props.Target as {
    Arn: unknown;
    RoleArn: { 'Fn::GetAtt': [string, string] };
    RetryPolicy?: { MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number };
  };
  const schedulerRoleId = target.RoleArn['Fn::GetAtt'][0];

  test('runs hourly on an EventBridge Scheduler schedule of its own that invokes the job function', () => {
    expect(schedules).toHaveLength(1);
    expect(Object.keys(resources('AWS::Scheduler::Schedule'))).toHaveLength(JOBS.length);
    expect(schedule.props.ScheduleExpression).toBe('rate(1 hour)');
    expect(schedule.props.State ?? 'ENABLED').toBe('ENABLED');
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [jobFnId, 'Arn'] });
    expect(target.RoleArn['Fn::GetAtt'][1]).toBe('Arn');
    expect(target.RetryPolicy!.MaximumRetryAttempts).toBeLessThanOrEqual(5);
    expect(target.RetryPolicy!.MaximumEventAgeInSeconds).toBeLessThanOrEqual(3600);
  });

  test('the schedule has a role of its own, assumable by the scheduler of this account only, that may invoke the job function and nothing else', () => {
    expect(schedulerRoleId).toBe(logicalId(api, job.scheduleRole));
    const role = resources('AWS::IAM::Role')[schedulerRoleId]!.Properties!;
    const trust = (role.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0]).toMatchObject({
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { Service: 'scheduler.amazonaws.com' },
    });
    expect(trust[0]!.Condition).toMatchObject({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.Policies).toBeUndefined();
    const statements = roleStatements(template, schedulerRoleId);
    expect(statements.flatMap(actionsOf)).toEqual(['lambda:InvokeFunction']);
    const jobArn = { 'Fn::GetAtt': [jobFnId, 'Arn'] };
    for (const r of resourcesOfStatement(statements[0]!)) {
      expect([JSON.stringify(jobArn), JSON.stringify({ 'Fn::Join': ['', [jobArn, ':*']] })]).toContain(
        JSON.stringify(r),
      );
    }
    // No other role may invoke any function (the schedulers' roles each their own job), and
    // nothing else may invoke the job.
    expect(rolesGranted(template, 'lambda:InvokeFunction').sort()).toEqual([...schedulerRoleIds].sort());
    const permissions = Object.values(resources('AWS::Lambda::Permission')).filter((p) =>
      JSON.stringify(p.Properties!.FunctionName).includes(jobFnId),
    );
    expect(permissions).toEqual([]);
  });

  test(`the job may Query only the indexes it needs (${indexes.join(', ')}) and only its item actions on the table`, () => {
    const all = roleStatements(template, jobRoleId);
    // The logos (and nothing else in the bucket) where the job emails them.
    const s3 = all.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3.map((s) => [actionsOf(s), JSON.stringify(s.Resource).includes('/logos/*')])).toEqual(
      readsLogos ? [[['s3:GetObject'], true]] : [],
    );
    const statements = all.filter(
      (s) => !actionsOf(s).every((a) => a.startsWith('logs:') || a.startsWith('ses:') || a.startsWith('s3:')),
    );
    const grants = statements.map((s) => ({ actions: actionsOf(s).sort(), resources: resourcesOfStatement(s) }));
    expect(grants).toHaveLength(2);
    const query = grants.find((g) => g.actions.includes('dynamodb:Query'))!;
    expect(query.actions).toEqual(['dynamodb:Query']);
    expect(query.resources).toHaveLength(indexes.length);
    for (const index of indexes)
      expect(
        query.resources.some((r) => isJoined(isTableArn, `/index/${index}`)(r)),
        JSON.stringify(query.resources),
      ).toBe(true);
    const items = grants.find((g) => g !== query)!;
    expect(items.actions).toEqual(itemActions);
    expect(items.resources).toHaveLength(1);
    expect(isTableArn(items.resources[0])).toBe(true);
    for (const s of statements) expect(s.Effect).toBe('Allow');
  });

  test('the job function runs on nodejs22.x with the table name and public URL, and what it needs besides', () => {
    const props = fnProps(jobFnId);
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Timeout as number).toBeGreaterThanOrEqual(60);
    expect(Object.keys(envOf(jobFnId)).sort()).toEqual(
      [
        'NODE_OPTIONS',
        'POWERTOOLS_LOG_LEVEL',
        'POWERTOOLS_SERVICE_NAME',
        'PUBLIC_BASE_URL',
        'TABLE_NAME',
        ...env,
      ].sort(),
    );
    expect(isTableName(envOf(jobFnId).TABLE_NAME)).toBe(true);
  });

  test('a failed run raises an alarm', () => {
    const alarms = Object.values(resources('AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties!)
      .filter((a) => a.MetricName === 'Errors' && JSON.stringify(a.Dimensions).includes(jobFnId));
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: jobFnId } }]);
    expect(alarms[0]).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
  });
});

describe('alarms', () => {
  const alarms = Object.values(resources('AWS::CloudWatch::Alarm')).map((a) => a.Properties!);
  // The export runner's queue has its own alarm (see 'the export runner' above).
  const alarmOn = (namespace: string, metric: string) => {
    const found = alarms.filter(
      (a) =>
        a.Namespace === namespace &&
        a.MetricName === metric &&
        !JSON.stringify(a.Dimensions).includes(logicalId(api, api.exportRunner.deadLetterQueue)) &&
        !JSON.stringify(a.Dimensions).includes(logicalId(api, api.webhookDelivery.deadLetterQueue)) &&
        !JSON.stringify(a.Dimensions).includes(logicalId(api, api.pdfRenderer.deadLetterQueue)) &&
        !JSON.stringify(a.Dimensions).includes(logicalId(api, api.pdfRenderer.queue)),
    );
    expect(found, `${namespace} ${metric}`).toHaveLength(1);
    return found[0]!;
  };

  test('any message on the dead-letter queue raises an alarm', () => {
    const alarm = alarmOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible');
    expect(alarm.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }]);
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
    expect(alarm.EvaluationPeriods).toBe(1);
  });

  test('the stream consumer falling behind (IteratorAge over a minute) raises an alarm', () => {
    const alarm = alarmOn('AWS/Lambda', 'IteratorAge');
    expect(alarm.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: streamFnId } }]);
    expect(alarm.ComparisonOperator).toBe('GreaterThanThreshold');
    expect(alarm.Threshold).toBe(60_000);
    expect(alarm.Statistic).toBe('Maximum');
  });
});

describe('the export runner', () => {
  const fnId = logicalId(api, api.exportRunner.fn);
  const roleId = logicalId(api, api.exportRunner.fn.role!);
  const mapping = mappingOf(fnId);
  const dlqId = logicalId(api, api.exportRunner.deadLetterQueue);

  test('is fed inserted export jobs only, one at a time, from the table stream', () => {
    expect(isStreamArn(mapping.props.EventSourceArn)).toBe(true);
    expect(mapping.props.BatchSize).toBe(1);
    const patterns = (mapping.props.FilterCriteria as { Filters: { Pattern: string }[] }).Filters.map(
      (f) => JSON.parse(f.Pattern) as FilterPattern,
    );
    const passes = (eventName: string, entity: string) =>
      passesFilters(patterns, { eventName, dynamodb: { NewImage: { entity: { S: entity } } } });
    expect(passes('INSERT', 'export')).toBe(true);
    expect(passes('MODIFY', 'export')).toBe(false);
    expect(passes('INSERT', 'invoice')).toBe(false);
  });

  test('retries a failed job twice, then sends it to its own encrypted dead-letter queue with an alarm', () => {
    expect(mapping.props.MaximumRetryAttempts).toBe(2);
    expect(mapping.props.DestinationConfig).toEqual({ OnFailure: { Destination: { 'Fn::GetAtt': [dlqId, 'Arn'] } } });
    expect(resources('AWS::SQS::Queue')[dlqId]!.Properties!.SqsManagedSseEnabled).toBe(true);
    const alarms = Object.values(resources('AWS::CloudWatch::Alarm')).filter((a) =>
      JSON.stringify(a.Properties!.Dimensions ?? []).includes(dlqId),
    );
    expect(alarms).toHaveLength(1);
  });

  test('has up to 15 minutes, and writes files only under exports/ of the bucket', () => {
    expect(fnProps(fnId).Timeout).toBe(900);
    const statements = roleStatements(template, roleId);
    const s3 = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3.flatMap(actionsOf)).toEqual(['s3:PutObject']);
    expect(JSON.stringify(s3[0]!.Resource)).toContain('/exports/*');
    expect(statements.flatMap(actionsOf)).not.toContain('dynamodb:Scan');
    expect(statements.flatMap(actionsOf)).toContain('dynamodb:BatchGetItem');
  });
});
