import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';
import type { Permission } from '../../domain/auth/actor.js';
import { createApiServer, listen } from '../../infra/local/api-server.js';
import { dropTable, ensureTable } from '../../infra/local/dynamodb-local.js';
import { mintToken, newSigningKeys, type SigningKeys } from '../../infra/local/local-auth.js';
import { startS3Emulator } from '../../infra/local/s3-emulator.js';
import { startPaymentsEmulator, type PaymentsEmulator } from '../../infra/local/payments-emulator.js';
import type { Throttle } from '../../infra/throttle.js';
import { checkContract } from './contract.js';

/**
 * Far above anything a test sends (the concurrency tests fire hundreds of requests at once), so
 * only a test that asks for throttling gets it.
 */
const TEST_THROTTLE: Throttle = { rateLimit: 1_000_000, burstLimit: 1_000_000 };

export type Stack = {
  baseUrl: string;
  tableName: string;
  endpoint: string;
  keys: SigningKeys;
  /**
   * The S3 emulator (s3rver) and its PDF bucket, as the handlers see them (S3_ENDPOINT, BUCKET_NAME).
   * `stop` and `restart` play an S3 outage: the restart is on the same port with the same objects.
   */
  s3: { endpoint: string; bucket: string; stop: () => Promise<void>; restart: () => Promise<void> };
  token: (accountId: string, opts?: { permissions?: Permission[]; sub?: string }) => Promise<string>;
  /** The payment processor emulator, delivering signed events to this stack's `POST /webhooks/stripe`. */
  payments: PaymentsEmulator & { webhookSecret: string };
  close: () => Promise<void>;
};

/** The emulator's keys in tests (and locally): test-mode shaped, never real. */
export const TEST_STRIPE_KEY = 'sk_test_local';
export const TEST_WEBHOOK_SECRET = 'whsec_test_local';

/**
 * The local runtime for one test file: its own table on the run's DynamoDB Local (or on the one at
 * `dynamodbEndpoint`, for a file that must be able to stop its database), its own S3
 * emulator (objects in a folder under test-output/, removed on close) and the local API server
 * (JWT check, route table, the real handlers) on a free port. Env is set before the handlers'
 * first import, as Lambda sets it before a cold start. The table has its stream only with `stream`
 * (a file that reads it): DynamoDB Local's writes slow down with every stream record of the run.
 */
export async function startStack(
  opts: { throttle?: Throttle; dynamodbEndpoint?: string; paymentsSettleDelayMs?: number; stream?: boolean } = {},
): Promise<Stack> {
  const endpoint = opts.dynamodbEndpoint ?? inject('dynamodbEndpoint');
  const tableName = `t_${randomUUID().slice(0, 8)}`;
  await ensureTable(endpoint, tableName, { stream: opts.stream ?? false });
  const keys = await newSigningKeys();
  const server: Server = createApiServer({ keys, throttle: opts.throttle ?? TEST_THROTTLE });
  const port = await listen(server, 0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  const outputDir = resolve(import.meta.dirname, '../../test-output');
  mkdirSync(outputDir, { recursive: true });
  const s3Dir = mkdtempSync(join(outputDir, 's3-'));
  let s3 = await startS3Emulator({ port: 0, dir: s3Dir });
  const s3Port = Number(new URL(s3.endpoint).port);
  let s3Running = true;
  const payments = await startPaymentsEmulator({
    port: 0,
    webhookUrl: `${baseUrl}/webhooks/stripe`,
    webhookSecret: TEST_WEBHOOK_SECRET,
    ...(opts.paymentsSettleDelayMs !== undefined ? { settleDelayMs: opts.paymentsSettleDelayMs } : {}),
  });
  Object.assign(process.env, {
    STRIPE_SECRET_KEY: TEST_STRIPE_KEY,
    STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    STRIPE_API_BASE: payments.endpoint,
    PAYMENTS_AUTOCONNECT: '1',
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'us-east-1',
    PUBLIC_BASE_URL: baseUrl,
    BUCKET_NAME: s3.bucket,
    S3_ENDPOINT: s3.endpoint,
    API_KEY_MODE: 'test',
    API_KEY_PEPPER: randomBytes(32).toString('hex'),
  });
  return {
    baseUrl,
    tableName,
    endpoint,
    keys,
    token: (accountId, opts = {}) =>
      mintToken(keys, {
        accountId,
        sub: opts.sub ?? 'usr_test',
        ...(opts.permissions ? { permissions: opts.permissions } : { role: 'superAdmin' }),
      }),
    s3: {
      endpoint: s3.endpoint,
      bucket: s3.bucket,
      stop: async () => {
        s3Running = false;
        await s3.stop();
      },
      restart: async () => {
        s3 = await startS3Emulator({ port: s3Port, dir: s3Dir });
        s3Running = true;
      },
    },
    payments: { ...payments, webhookSecret: TEST_WEBHOOK_SECRET },
    close: async () => {
      await payments.stop();
      await new Promise<void>((r) => server.close(() => r()));
      if (s3Running) await s3.stop();
      rmSync(s3Dir, { recursive: true, force: true });
      // A file that stopped its own DynamoDB Local has nothing left to drop.
      if (!opts.dynamodbEndpoint) await dropTable(endpoint, tableName);
    },
  };
}

export type ApiResponse = { status: number; headers: Headers; body: any };

/** A small client: JSON in, JSON (or problem+json) out. */
export function client(baseUrl: string, token: string | null) {
  return async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse> {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      // A string or bytes go as they are (a logo, with its own content-type header); anything else as JSON.
      ...(body !== undefined
        ? { body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) }
        : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    // The contract test: the response must be one the served OpenAPI document allows (contract.ts).
    await checkContract(baseUrl, method, path, res.status, res.headers.get('content-type'), parsed);
    return { status: res.status, headers: res.headers, body: parsed };
  };
}

export const uniqueAccount = (label = 'acc') => `${label}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
