import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, test } from 'vitest';
import { PUBLIC_ROUTE_REASONS } from '../../infra/nag-suppressions.js';
import { ROUTES, routeKey } from '../../infra/routes.js';
import { REPO_ROOT, synthApp } from './synth-app.js';

const { app, api, stateful } = synthApp();
// Synthesized already (the templates): the acknowledgements that wait for cross-stack ARNs are in.
const report = new AwsSolutionsChecks(app, { verbose: true }).validateScope(app);
const findings = (severity: string) =>
  report.violations
    .filter((v) => v.severity === severity)
    .map(
      (v) =>
        `${v.ruleName} at ${v.violatingResources.map((r) => (r as { constructPath?: string }).constructPath).join(', ')}`,
    );

/** Every acknowledgement in the app: where it is, which rule (finding) and why. */
function acknowledgements(root: IConstruct) {
  const out: { path: string; construct: IConstruct; id: string; reason: string }[] = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>))
        out.push({ path: c.node.path, construct: c, id: id.replace(/^annotation::/i, ''), reason });
    }
  }
  return out;
}

describe('cdk-nag (AWS Solutions) on every stack of the app', () => {
  test('reports no unacknowledged error', () => {
    expect(findings('error')).toEqual([]);
  });

  test('reports no unacknowledged warning', () => {
    expect(findings('warning')).toEqual([]);
    expect(report.success).toBe(true);
  });

  test('synthesis with the checks registered, as infra/app.ts does, succeeds', () => {
    const outdir = mkdtempSync(join(REPO_ROOT, 'test-output', 'nag-synth-'));
    try {
      const checked = synthApp({ nag: true, outdir });
      expect(() => checked.app.synth()).not.toThrow();
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('the checks find what is not acknowledged, and registered as in infra/app.ts they fail synthesis', () => {
    const outdir = mkdtempSync(join(REPO_ROOT, 'test-output', 'nag-synth-'));
    try {
      const other = new App({ outdir });
      new Queue(new Stack(other, 'Other'), 'Plain');
      const rules = new AwsSolutionsChecks(other).validateScope(other).violations.map((v) => v.ruleName);
      expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
      Validations.of(other).addPlugins(new AwsSolutionsChecks(other));
      expect(() => other.synth()).toThrow(/AwsSolutions-SQS4/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('the acknowledged findings', () => {
  const all = acknowledgements(app).filter((a) => a.id.startsWith('AwsSolutions-'));

  test('each is on one CloudFormation resource (never a stack or a whole construct), with a reason a reviewer can check', () => {
    expect(all.length).toBeGreaterThan(0);
    for (const a of all) {
      expect(CfnResource.isCfnResource(a.construct), `${a.id} on ${a.path}`).toBe(true);
      expect(a.reason.length, `${a.id} on ${a.path}`).toBeGreaterThan(60);
    }
    expect(
      stateful.node.metadata
        .concat(api.node.metadata, app.node.metadata)
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY),
    ).toEqual([]);
  });

  test('are exactly these: the runtime pin, the public routes, the named wildcards, the DLQ and the unrotated pepper', () => {
    const fnPaths = [
      ...Object.values(api.functions),
      api.streamConsumer.fn,
      api.overdueJob.fn,
      api.recurringJob.fn,
      api.remindersJob.fn,
      api.backfill.fn,
      api.exportRunner.fn,
      api.authorizerFunction,
      api.webhookDelivery.fn,
      api.pdfRenderer.fn,
    ].map((f) => `${f.node.path}/Resource`);
    const policy = (rolePath: string) => `${rolePath}/DefaultPolicy/Resource`;
    const pdfs =
      /^AwsSolutions-IAM5\[Resource::\{"Fn::GetStackOutput":\{"StackName":"InvoiceStateful",.*"OutputName":"[^"]*PdfBucket[^"]*"\}\}\/pdfs\/\*\]$/;
    const byPath = new Map<string, string[]>();
    for (const a of all) byPath.set(a.path, [...(byPath.get(a.path) ?? []), a.id].sort());

    for (const p of fnPaths) expect(byPath.get(p), p).toEqual(['AwsSolutions-L1']);
    const publicRoutes = ROUTES.filter((r) => r.permission === null).map(routeKey);
    expect(Object.keys(PUBLIC_ROUTE_REASONS).sort()).toEqual([...publicRoutes].sort());
    for (const key of publicRoutes)
      expect(byPath.get(`${api.routes.get(key)!.node.path}/Resource`), key).toEqual(['AwsSolutions-APIG4']);
    // The sellers' logos: the settings function puts them, the documents' functions read them.
    const logos = new RegExp(pdfs.source.replace('\\/pdfs\\/', '\\/logos\\/'));
    for (const fn of [api.functions.invoices, api.functions.buyer, api.pdfRenderer.fn]) {
      const ids = byPath.get(policy(fn.role!.node.path))!;
      expect(ids).toHaveLength(2);
      expect(ids.filter((id) => pdfs.test(id))).toHaveLength(1);
      expect(ids.filter((id) => logos.test(id))).toHaveLength(1);
    }
    const settings = byPath.get(policy(api.functions.settings.role!.node.path))!;
    expect(settings).toHaveLength(1);
    expect(settings[0]).toMatch(logos);
    const stream = byPath.get(policy(api.streamConsumer.fn.role!.node.path))!;
    expect(stream).toHaveLength(3);
    expect(stream).toContain('AwsSolutions-IAM5[Resource::*]');
    expect(stream.filter((id) => pdfs.test(id))).toHaveLength(1);
    expect(stream.filter((id) => logos.test(id))).toHaveLength(1);
    const jobFnId = api.getLogicalId(api.overdueJob.fn.node.defaultChild as CfnResource);
    expect(byPath.get(policy(api.overdueJob.scheduleRole.node.path))).toEqual([
      `AwsSolutions-IAM5[Resource::<${jobFnId}.Arn>:*]`,
    ]);
    const recurringFnId = api.getLogicalId(api.recurringJob.fn.node.defaultChild as CfnResource);
    expect(byPath.get(policy(api.recurringJob.scheduleRole.node.path))).toEqual([
      `AwsSolutions-IAM5[Resource::<${recurringFnId}.Arn>:*]`,
    ]);
    const remindersFnId = api.getLogicalId(api.remindersJob.fn.node.defaultChild as CfnResource);
    expect(byPath.get(policy(api.remindersJob.scheduleRole.node.path))).toEqual([
      `AwsSolutions-IAM5[Resource::<${remindersFnId}.Arn>:*]`,
    ]);
    // The mailing jobs read the logos they put in their emails, nothing else in the bucket.
    for (const job of [api.recurringJob, api.remindersJob]) {
      const ids = byPath.get(policy(job.fn.role!.node.path))!;
      expect(ids).toHaveLength(1);
      expect(ids[0]).toMatch(logos);
    }
    expect(byPath.get(`${api.streamConsumer.deadLetterQueue.node.path}/Resource`)).toEqual(['AwsSolutions-SQS3']);
    // The export runner: its stream's ListStreams and its exports/ prefix; the index function its exports/ prefix.
    const exportFiles = new RegExp(pdfs.source.replace('\\/pdfs\\/', '\\/exports\\/'));
    const runner = byPath.get(policy(api.exportRunner.fn.role!.node.path))!;
    expect(runner).toHaveLength(2);
    expect(runner).toContain('AwsSolutions-IAM5[Resource::*]');
    expect(runner.find((id) => id !== 'AwsSolutions-IAM5[Resource::*]')).toMatch(exportFiles);
    const index = byPath.get(policy(api.functions.index.role!.node.path))!;
    expect(index).toHaveLength(1);
    expect(index[0]).toMatch(exportFiles);
    expect(byPath.get(`${api.exportRunner.deadLetterQueue.node.path}/Resource`)).toEqual(['AwsSolutions-SQS3']);
    // The API key pepper is not rotated on a schedule (rotating it would invalidate every key).
    expect(byPath.get(`${api.apiKeyPepper.node.path}/Resource`)).toEqual(['AwsSolutions-SMG4']);

    const expectedPaths = [
      ...fnPaths,
      ...publicRoutes.map((k) => `${api.routes.get(k)!.node.path}/Resource`),
      ...[
        api.functions.invoices,
        api.functions.buyer,
        api.functions.index,
        api.functions.settings,
        api.streamConsumer.fn,
        api.exportRunner.fn,
        api.pdfRenderer.fn,
        api.recurringJob.fn,
        api.remindersJob.fn,
      ].map((f) => policy(f.role!.node.path)),
      policy(api.overdueJob.scheduleRole.node.path),
      policy(api.recurringJob.scheduleRole.node.path),
      policy(api.remindersJob.scheduleRole.node.path),
      `${api.streamConsumer.deadLetterQueue.node.path}/Resource`,
      `${api.exportRunner.deadLetterQueue.node.path}/Resource`,
      `${api.apiKeyPepper.node.path}/Resource`,
    ];
    expect([...byPath.keys()].sort()).toEqual(expectedPaths.sort());
  });
});
