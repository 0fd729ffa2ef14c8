import { Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import type { Policy } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';
import { EXPORT_PREFIX, LOGO_PREFIX, PDF_PREFIX } from './stacks/grants.js';
import type { ApiStack } from './stacks/api-stack.js';
import type { StatefulStack } from './stacks/stateful-stack.js';
import { ROUTES, routeKey } from './routes.js';

/**
 * Why each public route has no authorizer (cdk-nag AwsSolutions-APIG4). A route added without a
 * permission and without a reason here fails synthesis.
 */
export const PUBLIC_ROUTE_REASONS: Record<string, string> = {
  'GET /openapi.json':
    'The OpenAPI document is public by contract (API.md): it describes the API and holds no data. Its function is built from code alone and may touch no table, bucket or other service.',
  'GET /i/{slug}':
    "The hosted invoice page is for buyers, who have no account or token: the invoice's slug (128 random bits unless the account sets its own) is the capability, as with a hosted invoice link. Its function may only read the table and presign PDFs.",
  'GET /i/{slug}/pdf':
    'Redirects a buyer to a fresh presigned link (at most 15 minutes) to the PDF of the invoice the slug names: the same buyer access as GET /i/{slug}, through the same read-only function.',
  'POST /i/{slug}/checkout':
    "The buyer page's Pay button (a plain form post, no token): the slug is the capability, as for GET /i/{slug}. It opens a checkout at the processor for what the invoice says is due; only a payment the processor then signs for moves the invoice.",
  'POST /webhooks/stripe':
    "The payment processor's events. Stripe cannot carry our JWT: each request is verified by its Stripe-Signature (HMAC-SHA256 over the raw body with the endpoint's secret, at most 5 minutes old) before anything is read, and an unverified one is 400.",
};

const acknowledge = (resource: IConstruct, id: string, reason: string) =>
  Validations.of(resource).acknowledge({ id: `AwsSolutions-${id}`, reason });

/** The L1 resource of a construct: acknowledging there keeps the acknowledgement to that one resource. */
const cfn = (construct: IConstruct): CfnResource => {
  const child = construct.node.defaultChild;
  if (!child) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return child as CfnResource;
};

/** The CloudFormation policy CDK attaches to a function's role for the grants made to it. */
const defaultPolicyOf = (fn: IFunction): CfnResource => {
  const policy = fn.role?.node.tryFindChild('DefaultPolicy') as Policy | undefined;
  if (!policy) throw new Error(`${fn.node.path} has no role policy`);
  return cfn(policy);
};

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 for exactly one wildcard resource of one policy, named
 * the way cdk-nag names it: `Resource::<the ARN, flattened>`. An ARN from the stateful stack only
 * takes its final form (a cross-stack output) once CDK wires the reference during synthesis, so
 * the acknowledgement is made then (construct validations run after that, before the validation
 * plugins), from the very ARN expression the grant uses.
 */
function acknowledgeWildcard(policy: CfnResource, arn: string, reason: string) {
  policy.node.addValidation({
    validate: () => {
      acknowledge(policy, `IAM5[Resource::${flattenCfnReference(Stack.of(policy).resolve(arn))}]`, reason);
      return [];
    },
  });
}

/**
 * Every cdk-nag (AwsSolutions) finding this app keeps, each acknowledged on the one resource it
 * is about, with the reason. What could be fixed was fixed in the stacks instead: access logs on
 * the API stage and the PDF bucket, a role per function writing only to its own log group, Query
 * only on named indexes, TLS-only encrypted queue and buckets.
 */
export function acknowledgeNagFindings({ stateful, api }: { stateful: StatefulStack; api: ApiStack }) {
  const functions = [
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
  ];
  for (const fn of functions) {
    acknowledge(
      cfn(fn),
      'L1',
      'Pinned to nodejs22.x on purpose: npm test and the local runtime run every handler on Node 22 (the node@22 devDependency) and the Chromium layer declares nodejs22.x, so what is deployed is what was tested. Move the runtime, the layer and the dev Node together.',
    );
  }

  acknowledge(
    cfn(api.apiKeyPepper),
    'SMG4',
    'The API key pepper is the key of the HMAC every stored API key hash is made with: rotating it would make every issued key unusable at once. It never leaves the authorizer and the function that makes keys (their roles alone may read it); a leaked pepper is handled by issuing new keys after a new pepper, a planned operation, not a schedule.',
  );

  for (const route of ROUTES.filter((r) => r.permission === null)) {
    const key = routeKey(route);
    const reason = PUBLIC_ROUTE_REASONS[key];
    if (!reason)
      throw new Error(
        `Public route ${key} has no reason in PUBLIC_ROUTE_REASONS (infra/nag-suppressions.ts): give it a permission or say why it is public`,
      );
    acknowledge(cfn(api.routes.get(key)!), 'APIG4', reason);
  }

  const logos = stateful.pdfBucket.arnForObjects(`${LOGO_PREFIX}*`);
  acknowledgeWildcard(
    defaultPolicyOf(api.functions.settings),
    logos,
    `s3:PutObject on the logo prefix (${LOGO_PREFIX}*) only, where PUT /settings/invoices/logo stores the picture: one key per account and picture, not known when the stack is deployed.`,
  );
  for (const fn of [
    api.functions.invoices,
    api.functions.buyer,
    api.streamConsumer.fn,
    api.pdfRenderer.fn,
    api.recurringJob.fn,
    api.remindersJob.fn,
  ]) {
    acknowledgeWildcard(
      defaultPolicyOf(fn),
      logos,
      `s3:GetObject on the logo prefix (${LOGO_PREFIX}*) only, to inline the seller's logo in the preview, the buyer page, the PDF and the emails: one key per account and picture, not known when the stack is deployed.`,
    );
  }

  const pdfs = stateful.pdfBucket.arnForObjects(`${PDF_PREFIX}*`);
  for (const fn of [api.functions.invoices, api.functions.buyer]) {
    acknowledgeWildcard(
      defaultPolicyOf(fn),
      pdfs,
      `s3:GetObject on the PDF prefix (${PDF_PREFIX}*) only, to presign links to invoice PDFs: the keys name accounts and invoices not known when the stack is deployed.`,
    );
  }
  acknowledgeWildcard(
    defaultPolicyOf(api.streamConsumer.fn),
    pdfs,
    `s3:PutObject on the PDF prefix (${PDF_PREFIX}*) only, where the stream consumer writes the PDFs it renders: one key per invoice version, not known when the stack is deployed.`,
  );
  acknowledgeWildcard(
    defaultPolicyOf(api.pdfRenderer.fn),
    pdfs,
    `s3:PutObject on the PDF prefix (${PDF_PREFIX}*) only, where the renderer function writes the PDFs and e-invoices of the jobs it drains: one key per invoice version, not known when the stack is deployed.`,
  );
  for (const fn of [api.streamConsumer.fn, api.exportRunner.fn]) {
    acknowledge(
      defaultPolicyOf(fn),
      'IAM5[Resource::*]',
      "dynamodb:ListStreams only (the test asserts it): the table stream's event source mapping needs it, and IAM has no resource type for it. The stream itself is read through its own ARN.",
    );
  }

  const exports = stateful.pdfBucket.arnForObjects(`${EXPORT_PREFIX}*`);
  acknowledgeWildcard(
    defaultPolicyOf(api.functions.index),
    exports,
    `s3:GetObject on the export prefix (${EXPORT_PREFIX}*) only, to presign links to finished exports: one key per export job, not known when the stack is deployed.`,
  );
  acknowledgeWildcard(
    defaultPolicyOf(api.exportRunner.fn),
    exports,
    `s3:PutObject on the export prefix (${EXPORT_PREFIX}*) only, where the export runner writes the files: one key per export job, not known when the stack is deployed.`,
  );

  acknowledgeWildcard(
    cfn(api.overdueJob.scheduleRole.node.findChild('DefaultPolicy')),
    `${api.overdueJob.fn.functionArn}:*`,
    'lambda:InvokeFunction on the past-due job and its qualified ARNs (versions, aliases; the grant CDK makes for a scheduler target): the role may invoke that one function and nothing else.',
  );

  acknowledgeWildcard(
    cfn(api.recurringJob.scheduleRole.node.findChild('DefaultPolicy')),
    `${api.recurringJob.fn.functionArn}:*`,
    'lambda:InvokeFunction on the recurring invoice job and its qualified ARNs (versions, aliases; the grant CDK makes for a scheduler target): the role may invoke that one function and nothing else.',
  );

  acknowledgeWildcard(
    cfn(api.remindersJob.scheduleRole.node.findChild('DefaultPolicy')),
    `${api.remindersJob.fn.functionArn}:*`,
    'lambda:InvokeFunction on the payment reminders job and its qualified ARNs (versions, aliases; the grant CDK makes for a scheduler target): the role may invoke that one function and nothing else.',
  );

  for (const queue of [api.streamConsumer.deadLetterQueue, api.exportRunner.deadLetterQueue]) {
    acknowledge(
      cfn(queue),
      'SQS3',
      'This queue is a dead-letter queue: the on-failure destination of a table stream event source mapping (cdk-nag only recognises SQS redrive). It keeps messages 14 days and raises an alarm on the first one.',
    );
  }
}
