import { createHash } from 'node:crypto';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyInconsistentStateError,
  IdempotencyItemNotFoundError,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { DomainError } from '../../domain/errors.js';
// A type only: the records' module brings the DynamoDB SDK, which the functions' wiring loads and
// the docs function, which stores nothing, never needs.
import type { IdempotencyRecords } from '../dynamodb/idempotency-records.js';
import type { ScopedLog } from '../observability/logger.js';
import type { HttpEvent, HttpResponse } from './http-types.js';

/** Idempotency keys are kept 24 hours (DynamoDB's TTL on `expiresAt` deletes them; expired ones are overwritten). */
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;

const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

/** What Powertools hashes: `scope` names the record, `fingerprint` is checked against it. */
type IdempotentCall = { scope: string; fingerprint: string };

/**
 * Answers that are not remembered: thrown out of the idempotent function, Powertools deletes the
 * record. A 5xx (the work may not have happened), and a refusal that changed nothing (malformed,
 * invalid, in conflict with the object's state or version, too large): as Stripe, a retry with a
 * corrected request under the same key then runs instead of replaying the refusal.
 */
const NOT_REMEMBERED = new Set([400, 409, 412, 413, 422]);
const remembered = (status: number) => status < 500 && !NOT_REMEMBERED.has(status);

class NotRemembered extends Error {
  constructor(readonly response: HttpResponse) {
    super(`status ${response.statusCode}`);
  }
}

/**
 * A retry with the same Idempotency-Key and request gets the first response (with
 * `idempotent-replayed: true`) and changes nothing; the same key with another request (route, path
 * or body) is 422; while the first is still running a duplicate gets 409. Keys belong to an account
 * and a user (two users of one account may pick the same key) and live 24 hours. Responses below
 * 500 are kept, except refusals that changed nothing (NOT_REMEMBERED); those and a 5xx free the key
 * so a retry runs again.
 *
 * Powertools (makeIdempotent on DynamoDB) claims the key with a conditional put, so of concurrent
 * duplicates exactly one runs. `answer` must not throw: it is the request turned into a response,
 * problems included.
 */
export async function idempotent(
  records: IdempotencyRecords,
  call: {
    accountId: string;
    userId: string;
    key: string;
    event: HttpEvent;
    context: Context | undefined;
    log: ScopedLog;
  },
  answer: () => Promise<HttpResponse>,
): Promise<HttpResponse> {
  const { accountId, userId, key, event, context, log } = call;
  if (!KEY_SHAPE.test(key)) {
    throw new DomainError('malformed', 'Idempotency-Key must be 1 to 255 visible ASCII characters', [
      { path: 'Idempotency-Key', message: 'is not valid' },
    ]);
  }
  const payload: IdempotentCall = {
    scope: `${accountId}\n${userId}\n${key}`,
    fingerprint: createHash('sha256')
      .update(`${event.routeKey}\n${event.rawPath}\n${event.body ?? ''}`)
      .digest('hex'),
  };
  const persistenceStore = records(accountId, key);
  // A config per call too: Powertools keeps the Lambda context (for the in-progress expiry) on it.
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'scope',
    payloadValidationJmesPath: 'fingerprint',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: IDEMPOTENCY_WINDOW_SECONDS,
    hashFunction: 'sha256',
    responseHook: (response) => {
      const stored = response as HttpResponse;
      return { ...stored, headers: { ...stored.headers, 'idempotent-replayed': 'true' } };
    },
  });
  // The in-progress record expires when the invocation would time out, so a crashed one frees its key.
  if (context?.getRemainingTimeInMillis) config.registerLambdaContext(context);

  let answered: HttpResponse | undefined;
  // A fixed prefix instead of the function's name: one key space across the API's functions, so a
  // key reused on another route is the 422 it always was.
  const once = makeIdempotent(
    async (_: IdempotentCall): Promise<HttpResponse> => {
      answered = await answer();
      if (!remembered(answered.statusCode)) throw new NotRemembered(answered);
      return answered;
    },
    { persistenceStore, config, keyPrefix: 'http' },
  );
  try {
    return await once(payload);
  } catch (e) {
    if (e instanceof NotRemembered) return e.response;
    if (answered) {
      // The work is done and its answer is right; failing to remember it (or to free the key
      // after a 5xx) must not turn it into a 5xx. Free the key so a retry is not stuck at 409.
      log.warn('idempotency record not completed', { errorName: e instanceof Error ? e.name : typeof e }, e);
      await persistenceStore.deleteRecord(payload).catch(() => undefined);
      return answered;
    }
    if (e instanceof IdempotencyValidationError) {
      throw new DomainError('validation', 'This Idempotency-Key was already used with a different request', [
        { path: 'Idempotency-Key', message: 'was used with another request' },
      ]);
    }
    if (
      e instanceof IdempotencyAlreadyInProgressError ||
      e instanceof IdempotencyInconsistentStateError ||
      e instanceof IdempotencyItemNotFoundError
    ) {
      throw new DomainError('conflict', 'A request with this Idempotency-Key is still in progress; retry shortly');
    }
    // The store could not be reached: surface the AWS error so a throttle is a 503, not a 500.
    if (e instanceof IdempotencyPersistenceLayerError && e.cause !== undefined) throw e.cause;
    throw e;
  }
}
