import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Env } from '../config/env.js';

export type TableConfig = {
  tableName: string;
  endpoint?: string | undefined;
  region: string;
  /** Overrides the per-attempt request timeout (DYNAMODB_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number | undefined;
};

/** The service's table as a function's environment names it. */
export const tableConfig = (config: Env): TableConfig => ({
  tableName: config.TABLE_NAME,
  endpoint: config.DYNAMODB_ENDPOINT,
  region: config.AWS_REGION,
  requestTimeoutMs: config.DYNAMODB_REQUEST_TIMEOUT_MS,
});

/**
 * How long one attempt at a DynamoDB call may take. The SDK's defaults wait forever on a
 * connection that never answers, so a request would hang until the Lambda's 10 s timeout and reach
 * the caller as a bare gateway error. In AWS a call takes milliseconds, so with these a dead or
 * hung endpoint costs at most 3 attempts × 2 s plus the SDK's short backoff, about 6.5 s, and the
 * handler answers 503 with Retry-After itself.
 *
 * Against DynamoDB Local one process plays every concurrent Lambda on a shared machine: calls
 * wait for a socket in the process's pool and then in DynamoDB Local's queue, and both clocks run
 * while they wait (a burst of 200 creates took seconds per call there). Locally the limits are
 * only there to catch a database that is gone or hung.
 */
export const DYNAMODB_TIMEOUTS = {
  aws: { connectionTimeoutMs: 1_000, requestTimeoutMs: 2_000 },
  local: { connectionTimeoutMs: 5_000, requestTimeoutMs: 20_000 },
  maxAttempts: 3,
} as const;

/** The low-level client (Powertools' idempotency layer speaks raw attribute values through it). */
export function dynamoDbClient(config: TableConfig): DynamoDBClient {
  const timeouts = config.endpoint ? DYNAMODB_TIMEOUTS.local : DYNAMODB_TIMEOUTS.aws;
  return new DynamoDBClient({
    region: config.region,
    ...(config.endpoint
      ? { endpoint: config.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    maxAttempts: DYNAMODB_TIMEOUTS.maxAttempts,
    requestHandler: {
      connectionTimeout: timeouts.connectionTimeoutMs,
      requestTimeout: config.requestTimeoutMs ?? timeouts.requestTimeoutMs,
      // Without this the SDK only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
    },
  });
}

/**
 * One document client per process; Lambda keeps it (and its sockets) warm between invocations.
 * Given a low-level client, the document client shares it (and its sockets).
 */
export function documentClient(config: TableConfig | DynamoDBClient): DynamoDBDocumentClient {
  const client = config instanceof DynamoDBClient ? config : dynamoDbClient(config);
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}
