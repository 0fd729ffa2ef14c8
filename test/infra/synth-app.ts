import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, Validations, type Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import { defineServiceStacks } from '../../infra/service-stacks.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** The context `cdk synth` sees from cdk.json (feature flags), so tests check what deploys. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(resolve(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

export type SynthOptions = {
  /** Run esbuild for every function (slow); off, CDK puts a placeholder asset in its place. */
  bundle?: boolean;
  /** Extra CDK context, as `cdk synth -c name=value` would pass it. */
  context?: Record<string, unknown>;
  outdir?: string;
  /** Register cdk-nag's AWS Solutions checks as infra/app.ts does: synthesis then fails on any unacknowledged finding. */
  nag?: boolean;
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
  if (opts.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
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

/**
 * How the API stack names a value the stateful stack publishes. CDK passes it through an Output of
 * the stateful stack, read either by Fn::ImportValue (export name) or Fn::GetStackOutput (output
 * name) depending on the cross-stack reference strength; both are accepted.
 */
export function crossStackRef(producer: Stack, producerTemplate: Template, producerValue: unknown) {
  const outputs = (producerTemplate.toJSON().Outputs ?? {}) as Record<
    string,
    { Value: unknown; Export?: { Name: string } }
  >;
  const names = Object.entries(outputs)
    .filter(([, o]) => JSON.stringify(o.Value) === JSON.stringify(producerValue))
    .flatMap(([id, o]) => [id, ...(o.Export ? [o.Export.Name] : [])]);
  expect(names.length, `the stateful stack publishes ${JSON.stringify(producerValue)}`).toBeGreaterThan(0);
  return (value: unknown): boolean => {
    if (typeof value !== 'object' || value === null) return false;
    const [key, ...more] = Object.keys(value);
    if (more.length || (key !== 'Fn::ImportValue' && key !== 'Fn::GetStackOutput')) return false;
    const inner = (value as Record<string, unknown>)[key];
    const name = key === 'Fn::ImportValue' ? inner : (inner as { StackName?: string; OutputName?: string }).OutputName;
    return (
      names.includes(name as string) &&
      (key === 'Fn::ImportValue' || (inner as { StackName?: string }).StackName === producer.stackName)
    );
  };
}

/** `{ 'Fn::Join': ['', [<base>, suffix]] }` where `isBase(<base>)`: an ARN with a literal suffix. */
export const isJoined = (isBase: (v: unknown) => boolean, suffix: string) => (v: unknown) => {
  const join = (v as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  return !!join && join[0] === '' && join[1].length === 2 && isBase(join[1][0]) && join[1][1] === suffix;
};

export type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
  Principal?: unknown;
};
export const actionsOf = (s: Statement) => [s.Action].flat();
export const resourcesOfStatement = (s: Statement) => [s.Resource].flat();

/** Every statement of the inline policies attached to a role (by the role's logical id). */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((p) =>
      (p.Properties!.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId })),
    )
    .flatMap((p) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** Logical ids of the roles that are granted an action (on anything), across a template's policies. */
export function rolesGranted(template: Template, action: string): string[] {
  const roles = new Set<string>();
  for (const p of Object.values(resourcesOf(template, 'AWS::IAM::Policy'))) {
    const statements = (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement;
    const grants = statements.some(
      (s) =>
        s.Effect === 'Allow' &&
        actionsOf(s).some((a) => a === action || (a.endsWith('*') && action.startsWith(a.slice(0, -1)))),
    );
    if (grants) for (const r of p.Properties!.Roles as { Ref: string }[]) roles.add(r.Ref);
  }
  return [...roles].sort();
}
