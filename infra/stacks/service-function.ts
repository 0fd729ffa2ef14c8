import { resolve } from 'node:path';
import { AssetHashType, DockerImage, Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, type FunctionProps } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { bundleOptions } from '../bundle.js';

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
} & Pick<FunctionProps, 'layers' | 'ephemeralStorageSize' | 'description'>;

/** A function of this service (what serviceFunction builds). */
export type ServiceFunction = LambdaFunction;

/**
 * A Lambda of this service: nodejs22.x, its own log group with a retention, a role of its own,
 * and an ES module bundle made by the local esbuild (infra/bundle.ts: code splitting, so what a
 * handler imports lazily stays out of its cold start; NodejsFunction writes one file and cannot
 * split). Every function (API, stream consumer, jobs) is built here so they cannot differ in how
 * they are bundled or what they may log to.
 */
export function serviceFunction(scope: Construct, id: string, props: ServiceFunctionProps): ServiceFunction {
  const logGroup = new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH });
  // Instead of the AWSLambdaBasicExecutionRole managed policy, which lets a function create and
  // write to any log group of the account: this one may write to its own log group only. The
  // callers grant the rest.
  const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  logGroup.grantWrite(role);
  // As NodejsFunction does: the asset is named by its output's hash, bundled on this machine.
  const code = Code.fromAsset(resolve(REPO_ROOT, props.entry, '..'), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('dummy'),
      // Unused by the local bundler, but part of the asset cache's key: without them two functions
      // of one folder would share a bundle (the key does not see into tryBundle).
      environment: { ENTRY: props.entry, EXTERNALS: (props.externalModules ?? []).join(',') },
      local: {
        tryBundle: (outputDir) => {
          buildSync(bundleOptions(props.entry, outputDir, props.externalModules));
          return true;
        },
      },
    },
  });
  return new LambdaFunction(scope, `${id}Function`, {
    code,
    handler: 'index.handler',
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
  });
}

export const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
