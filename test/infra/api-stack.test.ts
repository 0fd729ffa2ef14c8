import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { API_FUNCTIONS, ROUTES, routeKey, type ApiFunction } from '../../infra/routes.js';
import { CONTEXT_DEFAULTS } from '../../infra/service-stacks.js';
import { REPO_ROOT, logicalId, resourcesOf, synthApp } from './synth-app.js';

const { stateful, api, statefulTemplate, apiTemplate: template } = synthApp();
const resources = (type: string) => resourcesOf(template, type);
const fnId = (name: ApiFunction) => logicalId(api, api.functions[name]);
const roleId = (name: ApiFunction) => logicalId(api, api.functions[name].role!);
const TABLE_FUNCTIONS = API_FUNCTIONS.filter((f) => f !== 'docs');

/**
 * How the API stack names a value the stateful stack publishes. CDK passes it through an Output of
 * the stateful stack, read either by Fn::ImportValue (export name) or Fn::GetStackOutput (output
 * name) depending on the cross-stack reference strength; both are accepted.
 */
function crossStackRef(producerValue: unknown) {
  const outputs = (statefulTemplate.toJSON().Outputs ?? {}) as Record<string, { Value: unknown; Export?: { Name: string } }>;
  const names = Object.entries(outputs)
    .filter(([, o]) => JSON.stringify(o.Value) === JSON.stringify(producerValue))
    .flatMap(([id, o]) => [id, ...(o.Export ? [o.Export.Name] : [])]);
  expect(names.length, `the stateful stack publishes ${JSON.stringify(producerValue)}`).toBeGreaterThan(0);
  return (value: unknown): boolean => {
    if (typeof value !== 'object' || value === null) return false;
    const [key, ...more] = Object.keys(value);
    if (more.length || (key !== 'Fn::ImportValue' && key !== 'Fn::GetStackOutput')) return false;
    const inner = (value as Record<string, unknown>)[key];
    const name = key === 'Fn::ImportValue' ? inner : (inner as { StackName?: string; OutputName?: string }).OutputName;
    return names.includes(name as string) && (key === 'Fn::ImportValue' || (inner as { StackName?: string }).StackName === stateful.stackName);
  };
}
const tableLogicalId = logicalId(stateful, stateful.table);
const isTableName = crossStackRef({ Ref: tableLogicalId });
const isTableArn = crossStackRef({ 'Fn::GetAtt': [tableLogicalId, 'Arn'] });
const isIndexArns = (v: unknown) => {
  const join = (v as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  return !!join && join[0] === '' && join[1].length === 2 && isTableArn(join[1][0]) && join[1][1] === '/index/*';
};

describe('functions', () => {
  test('one Lambda per API function, nothing else', () => {
    template.resourceCountIs('AWS::Lambda::Function', API_FUNCTIONS.length);
    expect(Object.keys(api.functions).sort()).toEqual([...API_FUNCTIONS].sort());
  });

  test.each(API_FUNCTIONS)('%s runs on nodejs22.x arm64 with the table name, public URL and source maps', (name) => {
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
    expect(Object.keys(vars).sort()).toEqual(['NODE_OPTIONS', 'PUBLIC_BASE_URL', 'TABLE_NAME']);
    expect(isTableName(vars.TABLE_NAME), JSON.stringify(vars.TABLE_NAME)).toBe(true);
    expect(vars.PUBLIC_BASE_URL).toBe(CONTEXT_DEFAULTS.publicBaseUrl);
    expect(vars.NODE_OPTIONS).toBe('--enable-source-maps');
  });

  test.each(API_FUNCTIONS)('%s logs to its own log group with a retention', (name) => {
    const props = resources('AWS::Lambda::Function')[fnId(name)]?.Properties as { LoggingConfig?: { LogGroup?: { Ref?: string } } };
    const groupId = props.LoggingConfig?.LogGroup?.Ref;
    expect(groupId).toBeDefined();
    expect(resources('AWS::Logs::LogGroup')[groupId!]?.Properties).toMatchObject({ RetentionInDays: expect.any(Number) });
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

  test.each(ROUTES.map((r) => [routeKey(r), r] as const))('%s reaches its function with payload v2 and the right auth', (key, route) => {
    const props = routeByKey.get(key)!;
    if (route.permission) {
      expect(props).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
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
  });

  test('GET /openapi.json is the only public route', () => {
    const open = Object.values(routes).filter((r) => (r.Properties!.AuthorizationType ?? 'NONE') === 'NONE');
    expect(open.map((r) => r.Properties!.RouteKey)).toEqual(['GET /openapi.json']);
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
      expect(found, routeKey(route)).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' });
    }
  });
});

describe('authorizer and stage', () => {
  test('one JWT authorizer with the default issuer and audience, reading the Authorization header', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: CONTEXT_DEFAULTS.jwtIssuer, Audience: [CONTEXT_DEFAULTS.jwtAudience] },
    });
  });

  test('issuer, audiences and public URL come from CDK context', () => {
    const { apiTemplate } = synthApp({
      context: { jwtIssuer: 'https://id.acme.test/', jwtAudience: 'invoices, invoices-admin', publicBaseUrl: 'https://pay.acme.test' },
    });
    apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Issuer: 'https://id.acme.test/', Audience: ['invoices', 'invoices-admin'] },
    });
    const fns = Object.values(resourcesOf(apiTemplate, 'AWS::Lambda::Function'));
    expect(fns).toHaveLength(API_FUNCTIONS.length);
    for (const fn of fns) expect((fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables.PUBLIC_BASE_URL).toBe('https://pay.acme.test');
  });

  test.each([
    [{ publicBaseUrl: 'invoices.example.com' }, /publicBaseUrl must be an https URL/],
    [{ jwtIssuer: 'http://auth.example.com/' }, /jwtIssuer must be an https URL/],
    [{ jwtAudience: ['invoice-api'] }, /jwtAudience must be a non-empty string/],
  ])('bad context %j fails synthesis', (context, message) => {
    expect(() => synthApp({ context })).toThrow(message);
  });

  test('the $default stage deploys automatically and is throttled', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
    });
  });

  test('the API URL is a stack output', () => {
    const [apiId] = Object.keys(resources('AWS::ApiGatewayV2::Api'));
    template.hasOutput('ApiUrl', { Value: { 'Fn::Join': ['', Match.arrayWith(['https://', { Ref: apiId }])] } });
  });
});

describe('least privilege', () => {
  type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
  const statementsOf = (name: ApiFunction): Statement[] =>
    Object.values(resources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties!.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId(name) })))
      .flatMap((p) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
  const actionsOf = (s: Statement) => [s.Action].flat();

  test.each(API_FUNCTIONS)('%s role has only the basic execution managed policy', (name) => {
    const role = resources('AWS::IAM::Role')[roleId(name)]?.Properties;
    expect(JSON.stringify(role?.ManagedPolicyArns)).toMatch(/service-role\/AWSLambdaBasicExecutionRole"/);
    expect(role?.ManagedPolicyArns).toHaveLength(1);
    expect(role?.Policies).toBeUndefined();
  });

  test('docs has no inline policy at all, so no DynamoDB access', () => {
    expect(statementsOf('docs')).toEqual([]);
    expect(JSON.stringify(resources('AWS::IAM::Role')[roleId('docs')])).not.toMatch(/dynamodb/i);
  });

  test.each(TABLE_FUNCTIONS)('%s may use the table and its indexes and nothing else', (name) => {
    const statements = statementsOf(name);
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      for (const a of actionsOf(s)) {
        expect(a).toMatch(/^dynamodb:[A-Z][A-Za-z]+$/); // no wildcards, no other services
      }
      // No Scan: request paths read by key or Query only (DESIGN.md), and IAM holds them to it.
      expect(actionsOf(s)).not.toContain('dynamodb:Scan');
      const targets = [s.Resource].flat();
      expect(targets).not.toContain('*');
      for (const t of targets) expect(isTableArn(t) || isIndexArns(t), JSON.stringify(t)).toBe(true);
    }
  });

  test('every DynamoDB command the adapters send is allowed', () => {
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
    const sources = readdirSync(join(REPO_ROOT, 'functions'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const used = new Set<string>();
    for (const file of sources) {
      const text = readFileSync(join(REPO_ROOT, 'functions', file), 'utf8');
      // Only DynamoDB adapters: other SDK clients (S3 and so on) have their own commands.
      if (!/@aws-sdk\/(lib|client)-dynamodb/.test(text)) continue;
      for (const m of text.matchAll(sdkCommand)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(0);
    for (const name of TABLE_FUNCTIONS) {
      const granted = new Set(statementsOf(name).flatMap(actionsOf));
      for (const command of used) {
        expect(needs[command], `unknown command ${command}Command: add its IAM actions here and to TABLE_ACTIONS`).toBeDefined();
        for (const action of needs[command]!) expect([...granted], `${name} needs dynamodb:${action} for ${command}Command`).toContain(`dynamodb:${action}`);
      }
    }
  });
});
