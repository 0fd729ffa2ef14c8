import type { App } from 'aws-cdk-lib';
import { acknowledgeNagFindings } from './nag-suppressions.js';
import { ApiStack } from './stacks/api-stack.js';
import { DEFAULT_DOCUMENT_RETENTION_YEARS, StatefulStack } from './stacks/stateful-stack.js';

/** Defaults for the CDK context values a deployment sets (cdk.json or `cdk synth -c name=value`). */
export const CONTEXT_DEFAULTS = {
  publicBaseUrl: 'https://invoices.example.com',
  jwtIssuer: 'https://auth.example.com/',
  jwtAudience: 'invoice-api',
  /** The From address of invoice emails. */
  mailFrom: 'invoices@example.com',
} as const;

/** A plain address (no display name): SES and the IAM grant need the address itself. */
const EMAIL_ADDRESS = /^[^\s@<>"]+@([^\s@<>"]+\.[^\s@<>"]+)$/;

/**
 * Adds the service's stacks to an app: the stateful stack (table, PDF bucket) and the stateless
 * one (functions, API, stream consumer, event bus, past-due schedule) that receives them. Shared
 * by infra/app.ts and the infra tests, so the tests check the app that is deployed.
 */
export function defineServiceStacks(app: App) {
  // A misspelt or mistyped value fails synthesis, not the functions' cold start (env.ts wants
  // PUBLIC_BASE_URL to be a URL) or every token check (API Gateway wants an https issuer).
  const context = (name: keyof typeof CONTEXT_DEFAULTS): string => {
    const value: unknown = app.node.tryGetContext(name);
    if (value === undefined) return CONTEXT_DEFAULTS[name];
    if (typeof value !== 'string' || value.trim() === '')
      throw new Error(`CDK context ${name} must be a non-empty string`);
    return value.trim();
  };
  const httpsUrl = (name: 'publicBaseUrl' | 'jwtIssuer'): string => {
    const value = context(name);
    if (!URL.canParse(value) || new URL(value).protocol !== 'https:')
      throw new Error(`CDK context ${name} must be an https URL, got ${value}`);
    return value;
  };
  // SES checks the identity that verifies the From address: the address itself, or (by default)
  // its domain; context `mailIdentity` says which. The invoices function may send as it only.
  const mailFrom = context('mailFrom');
  const domain = EMAIL_ADDRESS.exec(mailFrom)?.[1];
  if (!domain) throw new Error(`CDK context mailFrom must be a plain email address (no display name), got ${mailFrom}`);
  const identity: unknown = app.node.tryGetContext('mailIdentity') ?? domain;
  if (identity !== domain && identity !== mailFrom)
    throw new Error(`CDK context mailIdentity must be ${mailFrom} or ${domain}, got ${String(identity)}`);

  const retention: unknown = app.node.tryGetContext('documentRetentionYears') ?? DEFAULT_DOCUMENT_RETENTION_YEARS;
  const documentRetentionYears = typeof retention === 'string' ? Number(retention) : retention;
  if (
    typeof documentRetentionYears !== 'number' ||
    !Number.isInteger(documentRetentionYears) ||
    documentRetentionYears < 1
  )
    throw new Error(`CDK context documentRetentionYears must be a whole number of years, got ${String(retention)}`);
  const stateful = new StatefulStack(app, 'InvoiceStateful', {
    description: 'Invoice service: data (DynamoDB table, PDF bucket)',
    documentRetentionYears,
  });
  const api = new ApiStack(app, 'InvoiceApi', {
    description: 'Invoice service: functions, HTTP API, stream consumer, event bus and past-due schedule',
    table: stateful.table,
    pdfBucket: stateful.pdfBucket,
    documentRetentionDays: stateful.documentRetentionDays,
    mailFrom,
    mailIdentity: identity,
    publicBaseUrl: httpsUrl('publicBaseUrl'),
    jwtIssuer: httpsUrl('jwtIssuer'),
    // Several audiences may be given comma-separated.
    jwtAudience: context('jwtAudience')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
  });
  // The cdk-nag findings kept on purpose, each with its reason; infra/app.ts runs the checks.
  acknowledgeNagFindings({ stateful, api });
  return { stateful, api };
}
