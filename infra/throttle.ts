/** Requests per second (steady) and the burst above it that a token bucket lets through. */
export type Throttle = { rateLimit: number; burstLimit: number };

/**
 * The API's throttle, defined once: the CDK stack sets it on the HTTP API's $default stage and
 * the local API server (npm start) applies the same numbers, so a client that is throttled in
 * AWS is throttled locally too.
 */
export const API_THROTTLE: Throttle = { rateLimit: 100, burstLimit: 200 };
