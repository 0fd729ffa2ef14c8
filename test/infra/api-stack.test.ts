import { SEARCH_INDEX } from '../../functions/dynamodb/keys.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { API_FUNCTIONS, ROUTES, routeKey, type ApiFunction } from '../../infra/routes.js';
import { CONTEXT_DEFAULTS } from '../../infra/service-stacks.js';
import { OVERDUE_INDEX } from '../../infra/stacks/overdue-job.js';
import { RECURRING_INDEX } from '../../infra/stacks/recurring-job.js';
import { REMINDER_INDEX } from '../../infra/stacks/reminders-job.js';
import { TABLE_DEFINITION } from '../../infra/table-definition.js';
import { API_THROTTLE } from '../../infra/throttle.js';
import { AUTHORIZER_CACHE_SECONDS } from '../../infra/authorizer.js';
import {
  REPO_ROOT,
  actionsOf,
  crossStackRef,
  isJoined,
  logicalId,
  resourcesOf,
  resourcesOfStatement,
  roleStatements,
  synthApp,
  type Statement,
} from './synth-app.js';

const { stateful, api, statefulTemplate, apiTemplate: template } = synthApp();
const resources = (type: string) => resourcesOf(template, type);
const fnId = (name: ApiFunction) => logicalId(api, api.functions[name]);
const roleId = (name: ApiFunction) => logicalId(api, api.functions[name].role!);
const statementsOf = (name: ApiFunction) => roleStatements(template, roleId(name));

const tableLogicalId = logicalId(stateful, stateful.table);
const bucketLogicalId = logicalId(stateful, stateful.pdfBucket);
const isTableName = crossStackRef(stateful, statefulTemplate, { Ref: tableLogicalId });
const isTableArn = crossStackRef(stateful, statefulTemplate, { 'Fn::GetAtt': [tableLogicalId, 'Arn'] });
const isIndexArn = (index: string) => isJoined(isTableArn, `/index/${index}`);
const isBucketName = crossStackRef(stateful, statefulTemplate, { Ref: bucketLogicalId });
const isPdfObjects = isJoined(
  crossStackRef(stateful, statefulTemplate, { 'Fn::GetAtt': [bucketLogicalId, 'Arn'] }),
  '/pdfs/*',
);
const isLogoObjects = isJoined(
  crossStackRef(stateful, statefulTemplate, { 'Fn::GetAtt': [bucketLogicalId, 'Arn'] }),
  '/logos/*',
);

/** The API functions that keep full item access to the table. */
const READ_WRITE_FUNCTIONS: ApiFunction[] = [
  'invoices',
  'settings',
  'contacts',
  'companies',
  'crm',
  'index',
  'payments',
  'webhooks',
];

/** What every function gets for Powertools (logs and metrics). */
const TELEMETRY_ENV = ['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME'];

/** The indexes each API function may Query: gsi1 where it lists (invoices, CRM records, views), the search indexes for search. */
const INDEXES: Record<ApiFunction, string[]> = {
  invoices: ['gsi1'],
  contacts: ['gsi1'],
  companies: ['gsi1'],
  crm: ['gsi1'],
  // Lists association labels (gsi1); the stream re-keys open invoices when the reminder settings change.
  settings: ['gsi1'],
  buyer: [],
  docs: [],
  index: ['gsi1', 'gsi3', 'gsi4', 'gsi5', 'gsi6'],
  payments: [],
  webhooks: [],
};

/** The environment of each API function beyond NODE_OPTIONS, PUBLIC_BASE_URL, TABLE_NAME and TELEMETRY_ENV. */
const EXTRA_ENV: Record<ApiFunction, string[]> = {
  invoices: ['BUCKET_NAME', 'MAIL_FROM'],
  buyer: ['BUCKET_NAME'],
  settings: ['API_KEY_PEPPER_SECRET_ARN', 'BUCKET_NAME'],
  contacts: [],
  companies: [],
  crm: [],
  docs: [],
  index: ['BUCKET_NAME'],
  payments: ['STRIPE_SECRET_ARN'],
  webhooks: ['WEBHOOK_QUEUE_URL'],
};

describe('functions', () => {
  test('one Lambda per API function, plus the stream consumer, the three jobs, the backfill function, the export runner, the webhook delivery function, the PDF renderer and the authorizer, nothing else', () => {
    expect(Object.keys(api.functions).sort()).toEqual([...API_FUNCTIONS].sort());
    const expected = [
      ...API_FUNCTIONS.map(fnId),
      logicalId(api, api.streamConsumer.fn),
      logicalId(api, api.overdueJob.fn),
      logicalId(api, api.recurringJob.fn),
      logicalId(api, api.remindersJob.fn),
      logicalId(api, api.backfill.fn),
      logicalId(api, api.exportRunner.fn),
      logicalId(api, api.authorizerFunction),
      logicalId(api, api.webhookDelivery.fn),
      logicalId(api, api.pdfRenderer.fn),
    ];
    expect(Object.keys(resources('AWS::Lambda::Function')).sort()).toEqual(expected.sort());
  });

  test.each(API_FUNCTIONS)(
    '%s runs on nodejs22.x arm64 with the table name, public URL, source maps and what it needs besides',
    (name) => {
      const props = resources('AWS::Lambda::Function')[fnId(name)]?.Properties;
      expect(props).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 512,
        Timeout: 10,
      });
      const vars = (props?.Environment as { Variables: Record<string, unknown> }).Variables;
      // functions/config/env.ts refuses to start without these.
      expect(Object.keys(vars).sort()).toEqual(
        ['NODE_OPTIONS', 'PUBLIC_BASE_URL', 'TABLE_NAME', ...TELEMETRY_ENV, ...EXTRA_ENV[name]].sort(),
      );
      expect(vars).toMatchObject({ POWERTOOLS_SERVICE_NAME: 'invoice-service', POWERTOOLS_LOG_LEVEL: 'INFO' });
      expect(isTableName(vars.TABLE_NAME), JSON.stringify(vars.TABLE_NAME)).toBe(true);
      expect(vars.PUBLIC_BASE_URL).toBe(CONTEXT_DEFAULTS.publicBaseUrl);
      expect(vars.NODE_OPTIONS).toBe('--enable-source-maps');
      if (vars.BUCKET_NAME !== undefined)
        expect(isBucketName(vars.BUCKET_NAME), JSON.stringify(vars.BUCKET_NAME)).toBe(true);
      if (vars.MAIL_FROM !== undefined) expect(vars.MAIL_FROM).toBe(CONTEXT_DEFAULTS.mailFrom);
    },
  );

  test('every variable set on any function is one functions/config/env.ts reads, and none of the local-only ones', () => {
    const envSource = readFileSync(join(REPO_ROOT, 'functions/config/env.ts'), 'utf8');
    const localOnly = ['DYNAMODB_ENDPOINT', 'S3_ENDPOINT', 'EVENTS_LOG', 'OUTBOX_DIR', 'API_KEY_PEPPER'];
    for (const local of localOnly)
      expect(envSource, `env.ts still declares ${local}`).toMatch(new RegExp(`\\b${local}:`));
    const fns = Object.entries(resources('AWS::Lambda::Function'));
    expect(fns.length).toBe(API_FUNCTIONS.length + 9);
    for (const [id, fn] of fns) {
      const names = Object.keys((fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables);
      for (const n of names) {
        expect(localOnly, `${id} sets ${n}`).not.toContain(n);
        if (n !== 'NODE_OPTIONS')
          expect(envSource, `${id} sets ${n}, which env.ts does not read`).toMatch(new RegExp(`\\b${n}:`));
      }
    }
  });

  test.each(API_FUNCTIONS)('%s logs to its own log group with a retention', (name) => {
    const props = resources('AWS::Lambda::Function')[fnId(name)]?.Properties as {
      LoggingConfig?: { LogGroup?: { Ref?: string } };
    };
    const groupId = props.LoggingConfig?.LogGroup?.Ref;
    expect(groupId).toBeDefined();
    expect(resources('AWS::Logs::LogGroup')[groupId!]?.Properties).toMatchObject({
      RetentionInDays: expect.any(Number),
    });
  });
});

describe('routes', () => {
  const routes = resources('AWS::ApiGatewayV2::Route');
  const routeByKey = new Map(Object.values(routes).map((r) => [r.Properties!.RouteKey as string, r.Properties!]));
  const [authorizerId] = Object.keys(resources('AWS::ApiGatewayV2::Authorizer'));

  test('exactly one API route per route-table entry', () => {
    expect(routeByKey.size).toBe(Object.keys(routes).length);
    expect([...routeByKey.keys()].sort()).toEqual(ROUTES.map(routeKey).sort());
  });

  test.each(ROUTES.map((r) => [routeKey(r), r] as const))(
    '%s reaches its function with payload v2 and the right auth',
    (key, route) => {
      const props = routeByKey.get(key)!;
      if (route.permission) {
        expect(props).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
      } else {
        expect(props.AuthorizationType ?? 'NONE').toBe('NONE');
        expect(props.AuthorizerId).toBeUndefined();
      }
      const target = props.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
      expect(target['Fn::Join'][1][0]).toBe('integrations/');
      const integration = resources('AWS::ApiGatewayV2::Integration')[target['Fn::Join'][1][1].Ref]?.Properties;
      expect(integration).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: { 'Fn::GetAtt': [fnId(route.function), 'Arn'] },
        PayloadFormatVersion: '2.0',
      });
    },
  );

  test('the OpenAPI document, the buyer page, its checkout and the processor webhook are the only public routes', () => {
    const open = Object.values(routes).filter((r) => (r.Properties!.AuthorizationType ?? 'NONE') === 'NONE');
    expect(open.map((r) => r.Properties!.RouteKey).sort()).toEqual([
      'GET /i/{slug}',
      'GET /i/{slug}/pdf',
      'GET /openapi.json',
      'POST /i/{slug}/checkout',
      'POST /webhooks/stripe',
    ]);
    for (const r of open)
      expect(ROUTES.find((x) => routeKey(x) === r.Properties!.RouteKey)?.function).toMatch(/^(docs|buyer|payments)$/);
    // The processor signs its webhook; a JWT authorizer would refuse every delivery.
    expect(routeByKey.get('POST /webhooks/stripe')!.AuthorizerId).toBeUndefined();
  });

  test("Stripe's keys are referenced, never inlined: the secret's ARN in the environment, read only by the functions that call Stripe", () => {
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toMatch(/sk_(test|live)_|whsec_|rk_(test|live)_/);
    const secretArn = (env: Record<string, unknown>) => JSON.stringify(env.STRIPE_SECRET_ARN ?? null);
    const fns = resources('AWS::Lambda::Function');
    const withSecret = Object.entries(fns)
      .filter(
        ([, f]) => (f.Properties!.Environment as { Variables: Record<string, unknown> })?.Variables?.STRIPE_SECRET_ARN,
      )
      .map(([id]) => id)
      .sort();
    expect(withSecret).toEqual([fnId('payments'), logicalId(api, api.streamConsumer.fn)].sort());
    for (const id of withSecret) {
      const env = (fns[id]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
      // An ARN built from the stack's partition, region and account: a reference, not a value.
      expect(secretArn(env)).toContain(':secretsmanager:');
      expect(secretArn(env)).toContain('secret:invoice-service/stripe');
      expect(Object.keys(env).filter((k) => /KEY|SECRET/.test(k))).toEqual(['STRIPE_SECRET_ARN']);
    }
    for (const [name, role] of [
      ['payments', roleId('payments')],
      ['stream', logicalId(api, api.streamConsumer.fn.role!)],
    ] as const) {
      const statements = roleStatements(template, role).filter((st) =>
        actionsOf(st).some((a) => a.startsWith('secretsmanager:')),
      );
      expect(statements, name).toHaveLength(1);
      expect(actionsOf(statements[0]!).sort()).toEqual([
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
      ]);
      expect(JSON.stringify(resourcesOfStatement(statements[0]!))).toContain('secret:invoice-service/stripe');
    }
  });

  test('API Gateway may invoke each function on the paths of its routes, from this API only', () => {
    const [apiId] = Object.keys(resources('AWS::ApiGatewayV2::Api'));
    const permissions = Object.values(resources('AWS::Lambda::Permission')).map((p) => p.Properties!);
    for (const route of ROUTES) {
      const found = permissions.find((p) => {
        const parts = (p.SourceArn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
        return (
          JSON.stringify(p.FunctionName) === JSON.stringify({ 'Fn::GetAtt': [fnId(route.function), 'Arn'] }) &&
          parts.at(-1) === `/*/*${route.path}` &&
          parts.some((x) => JSON.stringify(x) === JSON.stringify({ Ref: apiId }))
        );
      });
      expect(found, routeKey(route)).toMatchObject({
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
      });
    }
  });
});

describe('authorizer and stage', () => {
  test('one Lambda authorizer (simple responses) on the Authorization header, its answer cached per header', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: AUTHORIZER_CACHE_SECONDS,
      AuthorizerUri: Match.objectLike({
        'Fn::Join': Match.arrayWith([
          Match.arrayWith([{ 'Fn::GetAtt': [logicalId(api, api.authorizerFunction), 'Arn'] }]),
        ]),
      }),
    });
  });

  test('the authorizer function knows the issuer, audience and pepper secret, and may only read keys and stamp lastUsedAt', () => {
    const props = resources('AWS::Lambda::Function')[logicalId(api, api.authorizerFunction)]!.Properties!;
    const vars = (props.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars).toMatchObject({
      JWT_ISSUER: CONTEXT_DEFAULTS.jwtIssuer,
      JWT_AUDIENCE: CONTEXT_DEFAULTS.jwtAudience,
      API_KEY_PEPPER_SECRET_ARN: { Ref: logicalId(api, api.apiKeyPepper) },
    });
    expect(isTableName(vars.TABLE_NAME)).toBe(true);
    const statements = roleStatements(template, logicalId(api, api.authorizerFunction.role!));
    const tableStatements = statements.filter((st) => resourcesOfStatement(st).some((r) => isTableArn(r)));
    expect(tableStatements.flatMap(actionsOf).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    const secretStatements = statements.filter((st) =>
      resourcesOfStatement(st).some(
        (r) => JSON.stringify(r) === JSON.stringify({ Ref: logicalId(api, api.apiKeyPepper) }),
      ),
    );
    expect(secretStatements.flatMap(actionsOf)).toContain('secretsmanager:GetSecretValue');
    // Nothing else: no index, no bucket, no other service.
    expect(statements.flatMap(resourcesOfStatement).some((r) => JSON.stringify(r).includes('/index/'))).toBe(false);
  });

  test('only the authorizer and the function that makes keys read the pepper secret', () => {
    const readers = Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties!.PolicyDocument).includes(logicalId(api, api.apiKeyPepper)))
      .flatMap((p) => (p.Properties!.Roles as { Ref: string }[]).map((r) => r.Ref))
      .sort();
    expect(readers).toEqual([logicalId(api, api.authorizerFunction.role!), roleId('settings')].sort());
  });

  test('issuer, audiences and public URL come from CDK context', () => {
    const { apiTemplate } = synthApp({
      context: {
        jwtIssuer: 'https://id.acme.test/',
        jwtAudience: 'invoices, invoices-admin',
        publicBaseUrl: 'https://pay.acme.test',
      },
    });
    apiTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ JWT_ISSUER: 'https://id.acme.test/', JWT_AUDIENCE: 'invoices,invoices-admin' }),
      },
    });
    // Every function, the stream consumer, the three jobs, the backfill function, the export runner,
    // the webhook delivery function, the PDF renderer and the authorizer.
    const fns = Object.values(resourcesOf(apiTemplate, 'AWS::Lambda::Function'));
    expect(fns).toHaveLength(API_FUNCTIONS.length + 9);
    for (const fn of fns)
      expect((fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables.PUBLIC_BASE_URL).toBe(
        'https://pay.acme.test',
      );
  });

  test.each([
    [{ publicBaseUrl: 'invoices.example.com' }, /publicBaseUrl must be an https URL/],
    [{ jwtIssuer: 'http://auth.example.com/' }, /jwtIssuer must be an https URL/],
    [{ jwtAudience: ['invoice-api'] }, /jwtAudience must be a non-empty string/],
  ])('bad context %j fails synthesis', (context, message) => {
    expect(() => synthApp({ context })).toThrow(message);
  });

  test('the $default stage deploys automatically and is throttled with API_THROTTLE, the limits the local API server applies', () => {
    expect(API_THROTTLE).toEqual({ rateLimit: 100, burstLimit: 200 });
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: API_THROTTLE.rateLimit,
        ThrottlingBurstLimit: API_THROTTLE.burstLimit,
      },
    });
  });

  test('the API URL is a stack output', () => {
    const [apiId] = Object.keys(resources('AWS::ApiGatewayV2::Api'));
    template.hasOutput('ApiUrl', { Value: { 'Fn::Join': ['', Match.arrayWith(['https://', { Ref: apiId }])] } });
  });
});

describe('access log and 5xx alarm', () => {
  const [apiId] = Object.keys(resources('AWS::ApiGatewayV2::Api'));
  const stage = Object.values(resources('AWS::ApiGatewayV2::Stage'))[0]!.Properties!;

  test('the stage writes one JSON line per request to a log group with a retention, without the token', () => {
    const settings = stage.AccessLogSettings as { DestinationArn: { 'Fn::GetAtt': [string, string] }; Format: string };
    const groupId = settings.DestinationArn['Fn::GetAtt'][0];
    expect(resources('AWS::Logs::LogGroup')[groupId]?.Properties).toMatchObject({
      RetentionInDays: expect.any(Number),
    });
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      accountId: '$context.authorizer.accountId',
      apiKeyId: '$context.authorizer.apiKeyId',
    });
    expect(settings.Format).not.toMatch(/authorization|header/i);
  });

  test("an alarm watches the share of the stage's requests answered with a 5xx", () => {
    const alarms = Object.values(resources('AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties!)
      .filter((a) => a.Metrics);
    expect(alarms).toHaveLength(1);
    const alarm = alarms[0]! as {
      Metrics: {
        Id: string;
        Expression?: string;
        ReturnData?: boolean;
        MetricStat?: {
          Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] };
          Period: number;
          Stat: string;
        };
      }[];
    } & Record<string, unknown>;
    const stat = (name: string) => alarm.Metrics.find((m) => m.MetricStat?.Metric.MetricName === name)!;
    const dimensions = [
      { Name: 'ApiId', Value: { Ref: apiId } },
      { Name: 'Stage', Value: '$default' },
    ];
    for (const name of ['5xx', 'Count']) {
      expect(stat(name).MetricStat).toEqual({
        Metric: { Namespace: 'AWS/ApiGateway', MetricName: name, Dimensions: dimensions },
        Period: 300,
        Stat: 'Sum',
      });
      expect(stat(name).ReturnData).toBe(false);
    }
    const expression = alarm.Metrics.find((m) => m.Expression)!;
    expect(expression.Expression).toBe(
      `IF(${stat('Count').Id} >= 20, 100 * ${stat('5xx').Id} / ${stat('Count').Id}, 0)`,
    );
    expect(alarm).toMatchObject({
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 5,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
  });
});

describe('least privilege', () => {
  test.each(API_FUNCTIONS)(
    '%s has a role of its own, no managed policy, and may write logs only to its own log group',
    (name) => {
      const role = resources('AWS::IAM::Role')[roleId(name)]?.Properties;
      // Not AWSLambdaBasicExecutionRole: it allows creating and writing any log group of the account.
      expect(role?.ManagedPolicyArns).toBeUndefined();
      expect(role?.Policies).toBeUndefined();
      expect(role?.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
      });
      const others = API_FUNCTIONS.filter((f) => f !== name);
      expect(others.every((f) => api.functions[f].role !== api.functions[name].role)).toBe(true);
      const logs = statementsOf(name).filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
      expect(logs).toHaveLength(1);
      expect(actionsOf(logs[0]!).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      const groupId = (
        resources('AWS::Lambda::Function')[fnId(name)]!.Properties as { LoggingConfig: { LogGroup: { Ref: string } } }
      ).LoggingConfig.LogGroup.Ref;
      expect(logs[0]!.Resource).toEqual({ 'Fn::GetAtt': [groupId, 'Arn'] });
    },
  );

  test('docs may only write its logs: no DynamoDB, S3 or anything else', () => {
    expect(statementsOf('docs').flatMap(actionsOf).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(JSON.stringify(resources('AWS::IAM::Role')[roleId('docs')])).not.toMatch(/dynamodb/i);
  });

  /** Every statement of a function, by service; each one Allow, no wildcard actions or resources. */
  const byService = (name: ApiFunction) => {
    const out: Record<string, { actions: string[]; resources: unknown[] }[]> = {};
    for (const s of statementsOf(name)) {
      expect(s.Effect).toBe('Allow');
      expect(s.Condition).toBeUndefined();
      for (const a of actionsOf(s)) expect(a).toMatch(/^[a-z0-9]+:[A-Z][A-Za-z]+$/);
      expect(resourcesOfStatement(s)).not.toContain('*');
      const services = new Set(actionsOf(s).map((a) => a.split(':')[0]!));
      expect(services.size, JSON.stringify(s.Action)).toBe(1);
      (out[[...services][0]!] ??= []).push({ actions: actionsOf(s).sort(), resources: resourcesOfStatement(s) });
    }
    return out;
  };

  test.each(API_FUNCTIONS)('%s may use exactly the services it needs', (name) => {
    const services = Object.keys(byService(name)).sort();
    const expected: Record<ApiFunction, string[]> = {
      invoices: ['dynamodb', 'logs', 's3', 'ses'],
      buyer: ['dynamodb', 'logs', 's3'],
      settings: ['dynamodb', 'logs', 's3', 'secretsmanager'],
      contacts: ['dynamodb', 'logs'],
      companies: ['dynamodb', 'logs'],
      crm: ['dynamodb', 'logs'],
      docs: ['logs'],
      index: ['dynamodb', 'logs', 's3'],
      payments: ['dynamodb', 'logs', 'secretsmanager'],
      webhooks: ['dynamodb', 'logs', 'sqs'],
    };
    expect(services).toEqual(expected[name]);
  });

  test.each(API_FUNCTIONS.filter((f) => f !== 'docs'))(
    '%s uses items on the table and Query on exactly the indexes it lists from (never index/*), never Scan',
    (name) => {
      const statements = byService(name).dynamodb ?? [];
      for (const { actions } of statements) {
        // No Scan: request paths read by key or Query only (DESIGN.md), and IAM holds them to it.
        expect(actions).not.toContain('dynamodb:Scan');
      }
      const onTable = statements.filter((s) => s.resources.every(isTableArn));
      const onIndexes = statements.filter((s) => s !== onTable[0]);
      expect(onTable).toHaveLength(1);
      expect(onTable[0]!.resources).toHaveLength(1);
      if (INDEXES[name].length === 0) {
        expect(onIndexes).toEqual([]);
        return;
      }
      expect(onIndexes).toHaveLength(1);
      expect(onIndexes[0]!.actions).toEqual(['dynamodb:Query']);
      expect(onIndexes[0]!.resources).toHaveLength(INDEXES[name].length);
      for (const [i, index] of INDEXES[name].entries())
        expect(isIndexArn(index)(onIndexes[0]!.resources[i]), JSON.stringify(onIndexes[0]!.resources[i])).toBe(true);
    },
  );

  test('every index an adapter Queries exists, and is granted to a function; no function may Query an index nobody uses', () => {
    // IndexName: 'gsi1', or IndexName: NAME with `const NAME = 'gsi2'` in the same file; likewise
    // indexName: for readShardsBefore (functions/dynamodb/sharded-index.ts), whose own
    // `IndexName: q.indexName` names no index.
    const used = new Set<string>();
    for (const file of readdirSync(join(REPO_ROOT, 'functions'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    )) {
      const text = readFileSync(join(REPO_ROOT, 'functions', file), 'utf8');
      for (const m of text.matchAll(/\b(?:IndexName|indexName):\s*(?:'([^']+)'|(\w+)(?=[,\s}]))/g)) {
        const name = m[1] ?? new RegExp(`\\bconst ${m[2]} = '([^']+)'`).exec(text)?.[1];
        // The search adapter picks its index from SEARCH_INDEX (functions/dynamodb/keys.ts): all of them.
        if (name === undefined && m[2] === 'index' && text.includes('SEARCH_INDEX[')) {
          for (const i of Object.values(SEARCH_INDEX)) used.add(i);
          continue;
        }
        expect(name, `${file}: cannot tell which index ${m[0]} names`).toBeDefined();
        used.add(name!);
      }
    }
    expect(used.size).toBeGreaterThan(0);
    // The indexes any role of the stack may Query, from the policies themselves: a new index in
    // use fails here until the function that Queries it is granted it.
    const granted = new Set<string>();
    for (const policy of Object.values(resources('AWS::IAM::Policy'))) {
      for (const s of (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement) {
        for (const r of resourcesOfStatement(s)) {
          const suffix = (r as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join']?.[1][1];
          if (typeof suffix === 'string' && suffix.startsWith('/index/') && isIndexArn(suffix.slice(7))(r))
            granted.add(suffix.slice(7));
        }
      }
    }
    expect([...granted].sort()).toEqual([...used].sort());
    expect(new Set([...Object.values(INDEXES).flat(), OVERDUE_INDEX, RECURRING_INDEX, REMINDER_INDEX])).toEqual(
      granted,
    );
    for (const index of used)
      expect(
        TABLE_DEFINITION.globalSecondaryIndexes.map((g) => g.indexName as string),
        index,
      ).toContain(index);
  });

  test('the buyer page can only read the table: GetItem and Query, nothing that writes', () => {
    const actions = (byService('buyer').dynamodb ?? []).flatMap((s) => s.actions);
    expect([...new Set(actions)].sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
  });

  test.each(['invoices', 'buyer'] as const)(
    '%s may only read PDFs (to presign links) and logos (to inline them): s3:GetObject under pdfs/ and logos/ of the bucket',
    (name) => {
      // (CDK merges the two grants of one action into one statement.)
      const s3 = byService(name).s3!;
      for (const statement of s3) expect(statement.actions).toEqual(['s3:GetObject']);
      const resources = s3.flatMap((st) => st.resources);
      expect(resources).toHaveLength(2);
      expect(resources.filter(isPdfObjects), JSON.stringify(resources)).toHaveLength(1);
      expect(resources.filter(isLogoObjects), JSON.stringify(resources)).toHaveLength(1);
    },
  );

  test('settings may only put logos: s3:PutObject under logos/ of the bucket, no read, no other prefix', () => {
    const s3 = byService('settings').s3!;
    expect(s3).toHaveLength(1);
    expect(s3[0]!.actions).toEqual(['s3:PutObject']);
    expect(s3[0]!.resources).toHaveLength(1);
    expect(isLogoObjects(s3[0]!.resources[0]), JSON.stringify(s3[0]!.resources[0])).toBe(true);
  });

  test('invoices may send email only as the sender identity (the domain of the default mailFrom)', () => {
    const ses = byService('invoices').ses!;
    expect(ses).toHaveLength(1);
    expect(ses[0]!.actions).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
    expect(ses[0]!.resources).toEqual([
      {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':ses:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':identity/example.com',
          ],
        ],
      },
    ]);
  });

  test.each([
    [{ mailFrom: 'billing@acme.test' }, 'billing@acme.test', 'identity/acme.test'],
    [
      { mailFrom: 'billing@acme.test', mailIdentity: 'billing@acme.test' },
      'billing@acme.test',
      'identity/billing@acme.test',
    ],
  ])('context %j sets MAIL_FROM and the SES identity', (context, from, identity) => {
    const app = synthApp({ context });
    const fn = resourcesOf(app.apiTemplate, 'AWS::Lambda::Function')[logicalId(app.api, app.api.functions.invoices)]!;
    expect((fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables.MAIL_FROM).toBe(from);
    const ses = roleStatements(app.apiTemplate, logicalId(app.api, app.api.functions.invoices.role!)).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('ses:')),
    );
    expect(JSON.stringify(ses.map((s) => s.Resource))).toContain(`:${identity}"`);
  });

  test.each([
    [{ mailFrom: 'Invoices <invoices@example.com>' }, /mailFrom must be a plain email address/],
    [{ mailFrom: 'invoices' }, /mailFrom must be a plain email address/],
    [{ mailIdentity: 'other.example' }, /mailIdentity must be invoices@example.com or example.com/],
  ])('bad mail context %j fails synthesis', (context, message) => {
    expect(() => synthApp({ context })).toThrow(message);
  });

  test('every DynamoDB command the adapters send is allowed to the read-write functions and the stream consumer', () => {
    // The local runtime does not enforce IAM, so a new command would only fail in AWS. Each
    // DocumentClient / client command maps to the IAM actions it needs.
    const needs: Record<string, string[]> = {
      Get: ['GetItem'],
      Put: ['PutItem'],
      Update: ['UpdateItem'],
      Delete: ['DeleteItem'],
      Query: ['Query'],
      Scan: ['Scan'],
      BatchGet: ['BatchGetItem'],
      BatchWrite: ['BatchWriteItem'],
      TransactGet: ['GetItem'],
      TransactWrite: ['PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem'],
    };
    const sdkCommand = /\bnew (\w+?)(?:Item)?Command\(/g;
    const sources = readdirSync(join(REPO_ROOT, 'functions'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    const used = new Set<string>();
    for (const file of sources) {
      const text = readFileSync(join(REPO_ROOT, 'functions', file), 'utf8');
      // Only DynamoDB adapters: other SDK clients (S3 and so on) have their own commands.
      if (!/@aws-sdk\/(lib|client)-dynamodb/.test(text)) continue;
      for (const m of text.matchAll(sdkCommand)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(0);
    // BatchGet is search's (functions/dynamodb/invoice-search-index.ts): the index function and the
    // export runner have it, the functions here do not. (The webhook delivery function's coalesced
    // reads use it too: test/infra/webhook-delivery.test.ts checks that role.)
    const searchOnly = new Set(['BatchGet']);
    // Scan is the backfill function's alone (functions/backfills): items stored before a key existed
    // have no index to be found by. No other function may Scan.
    const backfillOnly = new Set(['Scan']);
    const backfillGrants = new Set(roleStatements(template, logicalId(api, api.backfill.fn.role!)).flatMap(actionsOf));
    expect([...backfillGrants]).toContain('dynamodb:Scan');
    const roles = [
      ...READ_WRITE_FUNCTIONS.map((f) => [f, roleId(f)] as const),
      ['stream', logicalId(api, api.streamConsumer.fn.role!)] as const,
    ];
    const searchRoles = [
      ['index', roleId('index')],
      ['exports', logicalId(api, api.exportRunner.fn.role!)],
    ] as const;
    for (const [name, role] of [...roles, ...searchRoles]) {
      const granted = new Set(roleStatements(template, role).flatMap(actionsOf));
      const searches = searchRoles.some(([n]) => n === name);
      if (!searches) expect([...granted], `${name} has BatchGetItem`).not.toContain('dynamodb:BatchGetItem');
      for (const command of used) {
        if (searchOnly.has(command) && !searches) continue;
        if (backfillOnly.has(command)) {
          expect([...granted], `${name} must not Scan`).not.toContain('dynamodb:Scan');
          continue;
        }
        expect(
          needs[command],
          `unknown command ${command}Command: add its IAM actions here and to TABLE_ACTIONS`,
        ).toBeDefined();
        for (const action of needs[command]!)
          expect([...granted], `${name} needs dynamodb:${action} for ${command}Command`).toContain(
            `dynamodb:${action}`,
          );
      }
    }
  });
});
