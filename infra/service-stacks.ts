import type { App } from 'aws-cdk-lib';
import { ApiStack } from './stacks/api-stack.js';
import { StatefulStack } from './stacks/stateful-stack.js';

/** Defaults for the CDK context values a deployment sets (cdk.json or `cdk synth -c name=value`). */
export const CONTEXT_DEFAULTS = {
  publicBaseUrl: 'https://invoices.example.com',
  jwtIssuer: 'https://auth.example.com/',
  jwtAudience: 'invoice-api',
} as const;

/**
 * Adds the service's stacks to an app: the stateful stack (table) and the stateless one
 * (functions, API) that receives the table. Shared by infra/app.ts and the infra tests, so the
 * tests check the app that is deployed.
 */
export function defineServiceStacks(app: App) {
  // A misspelt or mistyped value fails synthesis, not the functions' cold start (env.ts wants
  // PUBLIC_BASE_URL to be a URL) or every token check (API Gateway wants an https issuer).
  const context = (name: keyof typeof CONTEXT_DEFAULTS): string => {
    const value: unknown = app.node.tryGetContext(name);
    if (value === undefined) return CONTEXT_DEFAULTS[name];
    if (typeof value !== 'string' || value.trim() === '') throw new Error(`CDK context ${name} must be a non-empty string`);
    return value.trim();
  };
  const httpsUrl = (name: 'publicBaseUrl' | 'jwtIssuer'): string => {
    const value = context(name);
    if (!URL.canParse(value) || new URL(value).protocol !== 'https:') throw new Error(`CDK context ${name} must be an https URL, got ${value}`);
    return value;
  };
  const stateful = new StatefulStack(app, 'InvoiceStateful', { description: 'Invoice service: data (DynamoDB table)' });
  const api = new ApiStack(app, 'InvoiceApi', {
    description: 'Invoice service: functions and HTTP API',
    table: stateful.table,
    publicBaseUrl: httpsUrl('publicBaseUrl'),
    jwtIssuer: httpsUrl('jwtIssuer'),
    // Several audiences may be given comma-separated.
    jwtAudience: context('jwtAudience').split(',').map((a) => a.trim()).filter(Boolean),
  });
  return { stateful, api };
}
