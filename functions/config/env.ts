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
  /** Where buyers reach the service: invoice URLs without a connected domain are built on it. */
  PUBLIC_BASE_URL: z.url(),
});

export type Env = z.infer<typeof schema>;

let cached: Env | undefined;

export function env(): Env {
  if (!cached) {
    const parsed = schema.safeParse(process.env);
    if (!parsed.success) {
      const names = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
      throw new Error(`Missing or invalid environment variables: ${names}`);
    }
    cached = parsed.data;
  }
  return cached;
}
