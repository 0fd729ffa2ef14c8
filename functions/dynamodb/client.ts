import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type TableConfig = { tableName: string; endpoint?: string | undefined; region: string };

/**
 * How long one DynamoDB call may take before it is given up on. The SDK's defaults wait forever on
 * a connection that never answers (no timeouts), so a request would hang until the Lambda's 10 s
 * timeout and reach the caller as a bare gateway error. With these, a dead or hung endpoint costs at
 * most MAX_ATTEMPTS × (connect or request timeout) plus the SDK's short backoff, about 6.5 s, and
 * the handler answers 503 with Retry-After itself. A healthy call takes milliseconds (tens under
 * load on DynamoDB Local), far from either limit.
 */
export const DYNAMODB_TIMEOUTS = { connectionTimeoutMs: 1_000, requestTimeoutMs: 2_000, maxAttempts: 3 } as const;

/** One document client per process; Lambda keeps it (and its sockets) warm between invocations. */
export function documentClient(config: TableConfig): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: config.region,
    ...(config.endpoint
      ? { endpoint: config.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    maxAttempts: DYNAMODB_TIMEOUTS.maxAttempts,
    requestHandler: {
      connectionTimeout: DYNAMODB_TIMEOUTS.connectionTimeoutMs,
      requestTimeout: DYNAMODB_TIMEOUTS.requestTimeoutMs,
      // Without this the SDK only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
    },
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}
