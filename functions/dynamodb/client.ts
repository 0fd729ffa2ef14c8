import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type TableConfig = { tableName: string; endpoint?: string | undefined; region: string };

/** The low-level client (Powertools' idempotency layer speaks raw attribute values through it). */
export function dynamoDbClient(config: TableConfig): DynamoDBClient {
  return new DynamoDBClient({
    region: config.region,
    ...(config.endpoint
      ? { endpoint: config.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    maxAttempts: 3,
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
