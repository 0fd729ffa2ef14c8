import { resolve } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/**
 * What Powertools reads at every function's cold start (functions/observability/): the service
 * name in log lines and metric dimensions, and the log level (INFO: one line per request, batch
 * or run). Lambda's advanced logging controls (AWS_LAMBDA_LOG_LEVEL) would override the level.
 */
export const TELEMETRY_ENVIRONMENT = {
  POWERTOOLS_SERVICE_NAME: 'invoice-service',
  POWERTOOLS_LOG_LEVEL: 'INFO',
} as const;

export type ServiceFunctionProps = {
  /** The entry module, relative to the repository root. */
  entry: string;
  environment: Record<string, string>;
  memorySize?: number;
  timeout?: Duration;
  architecture?: Architecture;
  /** Packages left out of the bundle besides the AWS SDK (which the Lambda runtime ships). */
  externalModules?: string[];
} & Pick<NodejsFunctionProps, 'layers' | 'ephemeralStorageSize' | 'description'>;

/**
 * A Lambda of this service: nodejs22.x, its own log group with a retention, a role of its own,
 * and an ES module bundle made by the local esbuild. Every function (API, stream consumer,
 * past-due job) is built here so they cannot differ in how they are bundled or what they may log to.
 */
export function serviceFunction(scope: Construct, id: string, props: ServiceFunctionProps): NodejsFunction {
  const logGroup = new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH });
  // Instead of the AWSLambdaBasicExecutionRole managed policy, which lets a function create and
  // write to any log group of the account: this one may write to its own log group only. The
  // callers grant the rest.
  const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  logGroup.grantWrite(role);
  return new NodejsFunction(scope, `${id}Function`, {
    entry: resolve(REPO_ROOT, props.entry),
    handler: 'handler',
    projectRoot: REPO_ROOT,
    depsLockFilePath: resolve(REPO_ROOT, 'package-lock.json'),
    runtime: Runtime.NODEJS_22_X,
    architecture: props.architecture ?? Architecture.ARM_64,
    memorySize: props.memorySize ?? 512,
    timeout: props.timeout ?? Duration.seconds(10),
    ...(props.layers ? { layers: props.layers } : {}),
    ...(props.ephemeralStorageSize ? { ephemeralStorageSize: props.ephemeralStorageSize } : {}),
    ...(props.description ? { description: props.description } : {}),
    logGroup,
    role,
    environment: { ...props.environment, ...TELEMETRY_ENVIRONMENT, NODE_OPTIONS: '--enable-source-maps' },
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
      externalModules: ['@aws-sdk/*', ...(props.externalModules ?? [])],
    },
  });
}

export const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
