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
  const context = (name: keyof typeof CONTEXT_DEFAULTS): string => {
    const value: unknown = app.node.tryGetContext(name);
    return typeof value === 'string' && value !== '' ? value : CONTEXT_DEFAULTS[name];
  };
  const stateful = new StatefulStack(app, 'InvoiceStateful', { description: 'Invoice service: data (DynamoDB table)' });
  const api = new ApiStack(app, 'InvoiceApi', {
    description: 'Invoice service: functions and HTTP API',
    table: stateful.table,
    publicBaseUrl: context('publicBaseUrl'),
    jwtIssuer: context('jwtIssuer'),
    // Several audiences may be given comma-separated.
    jwtAudience: context('jwtAudience').split(',').map((a) => a.trim()).filter(Boolean),
  });
  return { stateful, api };
}
