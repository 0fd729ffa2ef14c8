import { resolve } from 'node:path';
import * as z from 'zod';
import { API_THROTTLE } from '../throttle.js';

/** The local runtime's settings, from the environment (all listed in the README). */
const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('.data'),
  DYNAMODB_PORT: z.coerce.number().int().min(1).max(65535).default(8000),
  /** The S3 emulator's port (s3rver, holding the PDFs). */
  S3_PORT: z.coerce.number().int().min(1).max(65535).default(4569),
  /** The payment processor emulator's port (Stripe's API, the hosted checkout page, webhook delivery). */
  PAYMENTS_PORT: z.coerce.number().int().min(1).max(65535).default(12111),
  /** Every account starts connected to a test account of the emulator unless this is 0. */
  PAYMENTS_AUTOCONNECT: z.enum(['0', '1']).default('1'),
  /** How often the past-due job runs locally (hourly in AWS). */
  OVERDUE_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  /** How often the recurring invoice job runs locally (hourly in AWS). */
  RECURRING_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  /** How often the payment reminders job runs locally (hourly in AWS). */
  REMINDERS_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  TABLE_NAME: z.string().default('invoices'),
  DEMO_ACCOUNT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default('acc_demo'),
  /** The API's throttle: requests a second (steady) and burst; by default the stage's in AWS. */
  API_RATE_LIMIT: z.coerce.number().positive().default(API_THROTTLE.rateLimit),
  API_BURST_LIMIT: z.coerce.number().int().min(1).default(API_THROTTLE.burstLimit),
});

export type LocalConfig = z.infer<typeof schema> & { keyFile: string; pepperFile: string };

export function localConfig(): LocalConfig {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    throw new Error(
      `Bad local settings: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  }
  return {
    ...parsed.data,
    keyFile: resolve(parsed.data.DATA_DIR, 'local-jwt-key.json'),
    pepperFile: resolve(parsed.data.DATA_DIR, 'api-key-pepper'),
  };
}
