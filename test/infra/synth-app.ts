import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { defineServiceStacks } from '../../infra/service-stacks.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** The context `cdk synth` sees from cdk.json (feature flags), so tests check what deploys. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(resolve(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export type SynthOptions = {
  /** Run esbuild for every function (slow); off, CDK puts a placeholder asset in its place. */
  bundle?: boolean;
  /** Extra CDK context, as `cdk synth -c name=value` would pass it. */
  context?: Record<string, unknown>;
  outdir?: string;
};

/** Builds the service's stacks the way infra/app.ts does and returns them with their templates. */
export function synthApp(opts: SynthOptions = {}) {
  const app = new App({
    context: {
      ...cdkJsonContext(),
      ...(opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...opts.context,
    },
    ...(opts.outdir ? { outdir: opts.outdir } : {}),
  });
  const { stateful, api } = defineServiceStacks(app);
  return { app, stateful, api, statefulTemplate: Template.fromStack(stateful), apiTemplate: Template.fromStack(api) };
}

type Resource = { Type: string; Properties?: Record<string, unknown>; [k: string]: unknown };

export function resourcesOf(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

/** The logical id CloudFormation will know a construct's L1 resource by. */
export function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  const child = construct.node.defaultChild;
  if (!child) throw new Error('construct has no default child');
  return stack.getLogicalId(child as Parameters<Stack['getLogicalId']>[0]);
}
