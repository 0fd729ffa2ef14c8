import { wellFormedStrings } from '../../domain/shared/well-formed-text.js';
import type * as z from 'zod';
import { PERMISSIONS, type Actor, type Permission } from '../../domain/auth/actor.js';
import { DomainError, validationError } from '../../domain/errors.js';
import type { HttpEvent } from './http-types.js';

/** Bodies over 1 MB are refused before parsing (the largest valid invoice is far smaller). */
export const MAX_BODY_BYTES = 1_000_000;

const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The authorizer's answer: the Lambda authorizer's context, or a JWT authorizer's claims. */
export const authorizerClaims = (event: HttpEvent): Record<string, unknown> | undefined =>
  event.requestContext?.authorizer?.lambda ?? event.requestContext?.authorizer?.jwt?.claims;

/**
 * The authorizer has verified the token or API key; its claims arrive as strings, with arrays
 * flattened to "[a b]". Account ids become part of every key, so they are held to a strict shape.
 */
export function actorFromClaims(event: HttpEvent): Actor {
  const claims = authorizerClaims(event);
  if (!claims) throw new DomainError('unauthorized', 'A bearer token is required');
  const sub = claims.sub;
  const accountId = claims.accountId;
  if (typeof sub !== 'string' || !sub || typeof accountId !== 'string' || !ACCOUNT_ID.test(accountId)) {
    throw new DomainError('unauthorized', 'The token lacks a valid sub or accountId claim');
  }
  const raw = claims.permissions as unknown;
  const list: unknown[] = Array.isArray(raw)
    ? raw
    : typeof raw === 'string'
      ? raw
          .replace(/^\[|\]$/g, '')
          .split(/[\s,]+/)
          .filter(Boolean)
      : [];
  const permissions = list.filter((p): p is Permission => (PERMISSIONS as readonly unknown[]).includes(p));
  const apiKeyId = event.requestContext.authorizer?.lambda ? claims.apiKeyId : undefined;
  return {
    userId: sub,
    accountId,
    superAdmin: claims.role === 'superAdmin',
    permissions,
    ...(typeof apiKeyId === 'string' && apiKeyId ? { apiKeyId } : {}),
  };
}

export function parseJsonBody(event: HttpEvent): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
    throw new DomainError('payload_too_large', `The body must be at most ${MAX_BODY_BYTES} bytes`);
  }
  try {
    // Text is stored, printed and hashed as Unicode: a lone surrogate becomes U+FFFD here, once.
    return JSON.parse(text, wellFormedStrings);
  } catch {
    throw new DomainError('malformed', 'The body is not valid JSON');
  }
}

/** Zod issue paths as the contract writes them: `lineItems.0.unitPrice`. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, where = ''): z.infer<S> {
  const result = schema.safeParse(value === undefined ? {} : value);
  if (result.success) return result.data;
  const errors = result.error.issues.map((i) => {
    const path = [where, ...i.path.map(String)].filter(Boolean).join('.');
    const keys = i.code === 'unrecognized_keys' ? (i as { keys: string[] }).keys : [];
    if (keys.length)
      return keys.map((k) => ({ path: [path, k].filter(Boolean).join('.'), message: 'is not a known field' }));
    return [{ path: path || '(body)', message: i.message }];
  });
  const flat = errors.flat();
  throw validationError(
    `The request has ${flat.length} invalid field${flat.length === 1 ? '' : 's'}: ${flat
      .slice(0, 3)
      .map((e) => e.path)
      .join(', ')}`,
    flat,
  );
}

/** If-Match carries the ETag we sent: `"3"` (or W/"3"). */
export function parseIfMatch(event: HttpEvent): number | undefined {
  const header = event.headers?.['if-match'];
  if (header === undefined) return undefined;
  const m = /^(?:W\/)?"?(\d{1,12})"?$/.exec(header.trim());
  if (!m)
    throw new DomainError('malformed', 'If-Match must be an ETag this API returned, such as "3"', [
      { path: 'If-Match', message: 'is not a valid ETag' },
    ]);
  return Number(m[1]);
}

export function parseLimit(query: Record<string, string | undefined>): { limit: number; after: string | null } {
  const raw = query.limit;
  const limit = raw === undefined ? 20 : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new DomainError('malformed', 'limit must be a whole number from 1 to 100', [
      { path: 'limit', message: 'must be a whole number from 1 to 100' },
    ]);
  }
  return { limit, after: query.after ?? null };
}
