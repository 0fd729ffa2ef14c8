import { resolve } from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { API_FUNCTIONS, FUNCTION_ENTRY, ROUTES, type ApiFunction } from '../routes.js';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** Functions that never touch the table (the OpenAPI document is built from code alone). */
const WITHOUT_TABLE_ACCESS: ReadonlySet<ApiFunction> = new Set(['docs']);

/**
 * The item operations the adapters in functions/dynamodb use (TransactWriteItems is authorized
 * per contained operation). Deliberately no Scan: no request path may scan, and IAM enforces it.
 * test/infra/api-stack.test.ts fails if an adapter starts using a command not covered here.
 */
export const TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:Query',
] as const;

export type ApiStackProps = StackProps & {
  table: ITable;
  /** Where buyers reach the service; invoice URLs are built on it. */
  publicBaseUrl: string;
  jwtIssuer: string;
  jwtAudience: string[];
  /** Requests per second (steady) and burst for the whole default stage. */
  throttle?: { rateLimit: number; burstLimit: number };
};

/**
 * The stateless half: one Lambda per API function and the HTTP API that routes to them, both
 * generated from the shared route table (infra/routes.ts) so the cloud and the local runtime
 * cannot drift.
 */
export class ApiStack extends Stack {
  readonly functions: Record<ApiFunction, NodejsFunction>;
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);

    const fns = {} as Record<ApiFunction, NodejsFunction>;
    for (const name of API_FUNCTIONS) {
      const fn = new NodejsFunction(this, `${pascal(name)}Function`, {
        entry: resolve(REPO_ROOT, FUNCTION_ENTRY[name]),
        handler: 'handler',
        projectRoot: REPO_ROOT,
        depsLockFilePath: resolve(REPO_ROOT, 'package-lock.json'),
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        memorySize: 512,
        timeout: Duration.seconds(10),
        logGroup: new LogGroup(this, `${pascal(name)}Logs`, { retention: RetentionDays.ONE_MONTH }),
        environment: {
          TABLE_NAME: props.table.tableName,
          PUBLIC_BASE_URL: props.publicBaseUrl,
          NODE_OPTIONS: '--enable-source-maps',
        },
        bundling: {
          format: OutputFormat.ESM,
          // Prefer packages' ESM builds; fall back to CommonJS.
          mainFields: ['module', 'main'],
          // CommonJS dependencies bundled into an ES module still call require(); ESM has none,
          // so define one at the top of the bundle.
          banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
          minify: true,
          sourceMap: true,
          // The Lambda runtime ships the AWS SDK v3.
          externalModules: ['@aws-sdk/*'],
        },
      });
      // Table.grant covers the table and its indexes (for Query on gsi1), nothing else.
      if (!WITHOUT_TABLE_ACCESS.has(name)) props.table.grant(fn, ...TABLE_ACTIONS);
      fns[name] = fn;
    }
    this.functions = fns;

    // The default stage is made by hand: the L2 HttpApi has no throttle option for the stage it
    // would create itself.
    this.api = new HttpApi(this, 'HttpApi', { apiName: 'invoice-api', createDefaultStage: false });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 },
    });

    // API Gateway verifies signature, issuer, audience and expiry before any function runs; the
    // handlers then check the permission named in the route table against the token's claims.
    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.jwtIssuer, { jwtAudience: props.jwtAudience });
    const integrations = new Map(API_FUNCTIONS.map((name) => [name, new HttpLambdaIntegration(`${pascal(name)}Integration`, fns[name])]));
    for (const route of ROUTES) {
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrations.get(route.function)!,
        // Public routes (permission null) get no authorizer at all.
        ...(route.permission ? { authorizer } : {}),
      });
    }

    new CfnOutput(this, 'ApiUrl', { value: this.stage.url, description: 'Base URL of the invoice API' });
  }
}

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
