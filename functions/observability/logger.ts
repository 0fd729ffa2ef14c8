import { Logger } from '@aws-lambda-powertools/logger';

/** The service's name in logs and metrics when POWERTOOLS_SERVICE_NAME is unset (the stacks set it to this). */
export const SERVICE_NAME = 'invoice-service';

/**
 * The one structured (JSON) logger of every function. Powertools reads its level itself:
 * AWS_LAMBDA_LOG_LEVEL (Lambda's advanced logging controls) wins over POWERTOOLS_LOG_LEVEL; the
 * default is INFO, and SILENT turns logging off (the test run sets it so output stays readable).
 *
 * What goes in a line: ids, route keys, statuses, counts, durations, error names and stacks.
 * Never request or response bodies, names, emails, addresses or comments: the buyer's personal
 * data stays in the table (test/integration/observability.test.ts checks it).
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || SERVICE_NAME });

/**
 * A log whose every line carries one unit of work's keys (its correlation id above all). Lines
 * carry the keys themselves rather than through the logger's shared state, because locally one
 * process serves many requests at once and shared keys would bleed between them.
 */
export type ScopedLog = {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>, error?: unknown): void;
  error(message: string, fields?: Record<string, unknown>, error?: unknown): void;
};

/** Powertools' serializer writes an Error value as `{ name, location, message, stack }`. */
const withError = (fields: Record<string, unknown>, e: unknown) =>
  e === undefined ? fields : { ...fields, error: e instanceof Error ? e : new Error(String(e)) };

export function scopedLog(keys: Record<string, unknown>): ScopedLog {
  return {
    debug: (message, fields = {}) => logger.debug(message, { ...keys, ...fields }),
    info: (message, fields = {}) => logger.info(message, { ...keys, ...fields }),
    warn: (message, fields = {}, error) => logger.warn(message, withError({ ...keys, ...fields }, error)),
    error: (message, fields = {}, error) => logger.error(message, withError({ ...keys, ...fields }, error)),
  };
}
