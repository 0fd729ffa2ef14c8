/**
 * What a caller may send as `x-correlation-id` to follow its request through our logs: ids as
 * clients make them (UUIDs, ULIDs, base64 tokens), at most 128 characters. No spaces and no `@`,
 * so it cannot carry an email or a sentence into the logs.
 */
const CORRELATION_ID = /^[A-Za-z0-9_.:=+/-]{1,128}$/;

export const CORRELATION_ID_HEADER = 'x-correlation-id';

/** The caller's correlation id when it is a valid one, else the id API Gateway gave the request. */
export function correlationIdOf(headers: Record<string, string | undefined> | undefined, requestId: string): string {
  const incoming = headers?.[CORRELATION_ID_HEADER];
  return incoming !== undefined && CORRELATION_ID.test(incoming) ? incoming : requestId;
}
