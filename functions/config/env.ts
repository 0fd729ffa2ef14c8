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
