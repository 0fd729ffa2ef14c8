import { useKey } from '../../domain/auth/api-keys.js';
import { env } from '../config/env.js';
import { documentClient } from '../dynamodb/client.js';
import { DynamoApiKeyStore } from '../dynamodb/api-key-store.js';

let store: DynamoApiKeyStore | undefined;

/**
 * Whether an API key may still be used, read strongly consistent. API Gateway caches the
 * authorizer's answer per Authorization header; this one key lookup per request made with a key
 * is what makes a revocation (or an expiry) take effect on the very next request all the same.
 * Only requests made with a key pay for it; JWT requests do not.
 */
export async function keyIsLive(id: string, now: Date): Promise<boolean> {
  if (!store) {
    const config = env();
    store = new DynamoApiKeyStore(
      documentClient({
        tableName: config.TABLE_NAME,
        endpoint: config.DYNAMODB_ENDPOINT,
        region: config.AWS_REGION,
        requestTimeoutMs: config.DYNAMODB_REQUEST_TIMEOUT_MS,
      }),
      config.TABLE_NAME,
    );
  }
  const key = await store.get(id);
  // Also keeps lastUsedAt (to the minute) while the authorizer's answer is cached.
  return key !== null && (await useKey({ apiKeys: store, clock: { now: () => now } }, key)) === 'ok';
}
