import { z } from 'zod';

/**
 * The environment, parsed once at cold start: a missing or bad variable fails the function at
 * start, not deep inside a request.
 */
const schema = z.object({
  TABLE_NAME: z.string().min(1),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** Set only locally: DynamoDB Local's URL. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  /** Per-attempt DynamoDB request timeout, when the default for the target (dynamodb/client.ts) does not fit. */
  DYNAMODB_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  /** Where buyers reach the service: invoice URLs without a connected domain are built on it. */
  PUBLIC_BASE_URL: z.url(),
  /** The PDF bucket. */
  BUCKET_NAME: z.string().min(1).optional(),
  /** Days an issued document is locked for when stored (S3 Object Lock, compliance mode); unset locally. */
  DOCUMENT_RETENTION_DAYS: z.coerce.number().int().positive().optional(),
  /** Set only locally: the S3 emulator's URL (path-style addressing). */
  S3_ENDPOINT: z.url().optional(),
  /** Where events go in AWS (EventBridge). */
  EVENT_BUS_NAME: z.string().min(1).optional(),
  /** Set only locally: events are appended to this JSON-lines file instead. */
  EVENTS_LOG: z.string().min(1).optional(),
  /** The sender of invoice emails (an SES-verified identity in AWS). */
  MAIL_FROM: z.string().min(3).default('invoices@example.com'),
  /** Set only locally: each email is written to this folder as an RFC 5322 .eml file instead of SES. */
  OUTBOX_DIR: z.string().min(1).optional(),
  /** Stripe's secret key; set only locally (the emulator's test key). In AWS it comes from STRIPE_SECRET_ARN. */
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  /** The webhook endpoint's signing secret; set only locally. In AWS it comes from STRIPE_SECRET_ARN. */
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** Set only locally: the processor emulator's URL (the SDK's host, port and protocol). */
  STRIPE_API_BASE: z.url().optional(),
  /** In AWS: the Secrets Manager secret holding `{ secretKey, webhookSecret }`, read once per cold start. */
  STRIPE_SECRET_ARN: z.string().min(1).optional(),
  /** Locally every account starts connected to a test account of the emulator unless this is 0. */
  PAYMENTS_AUTOCONNECT: z.enum(['0', '1']).optional(),
  /** `ik_live_` keys in AWS, `ik_test_` locally: a key of one is refused by the other. */
  API_KEY_MODE: z.enum(['live', 'test']).default('live'),
  /** Set only locally: the secret of the API keys' keyed hash. In AWS it is read from Secrets Manager. */
  API_KEY_PEPPER: z.string().min(32).optional(),
  /** The Secrets Manager secret holding the keyed hash's secret (AWS). */
  API_KEY_PEPPER_SECRET_ARN: z.string().min(1).optional(),
  /** The authorizer (AWS): the JWT issuer, its audiences (comma list) and where its keys are published. */
  JWT_ISSUER: z.url().optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWT_JWKS_URL: z.url().optional(),
  /** The queue of webhook deliveries (SQS) in AWS; unset locally, where an in-process queue stands in. */
  WEBHOOK_QUEUE_URL: z.url().optional(),
  /** The stream consumer's render jobs (SQS FIFO) in AWS: set, the consumer queues PDFs for the renderer function. */
  RENDER_QUEUE_URL: z.url().optional(),
  /** Locally, `local` queues render jobs in-process for the local renderer (infra/local/start.ts); unset, renders inline. */
  RENDER_QUEUE: z.enum(['local']).optional(),
  /** The retry delays after a failed delivery, a comma list of seconds (default 5,300,1800,7200,18000,36000,36000). */
  WEBHOOK_RETRY_SECONDS: z.string().optional(),
  /** `1` lets webhooks reach loopback (and plain http there): a developer's receiver. Never set in AWS. */
  WEBHOOKS_ALLOW_LOOPBACK: z.enum(['0', '1']).default('0'),
  // Powertools reads these itself when functions/observability/ loads (before any handler can
  // call env()); they are declared here so a bad value fails the cold start like any other.
  // AWS_LAMBDA_LOG_LEVEL (Lambda's advanced logging controls) overrides the level.
  /** The service's name in log lines and metric dimensions. */
  POWERTOOLS_SERVICE_NAME: z.string().min(1).default('invoice-service'),
  /** DEBUG shows what each stream record did; SILENT is what the test run uses. */
  POWERTOOLS_LOG_LEVEL: z
    .string()
    .regex(/^(trace|debug|info|warn|error|critical|silent)$/i)
    .optional(),
});

export type Env = z.infer<typeof schema>;

/** What a function that touches no data needs: only where buyers reach the service. */
const publicSchema = schema.pick({ PUBLIC_BASE_URL: true });

let cached: Env | undefined;
let cachedPublic: z.infer<typeof publicSchema> | undefined;

function parse<S extends z.ZodType>(s: S): z.infer<S> {
  const parsed = s.safeParse(process.env);
  if (!parsed.success) {
    const names = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new Error(`Missing or invalid environment variables: ${names}`);
  }
  return parsed.data;
}

export function publicEnv(): z.infer<typeof publicSchema> {
  return (cachedPublic ??= parse(publicSchema));
}

export function env(): Env {
  return (cached ??= parse(schema));
}
