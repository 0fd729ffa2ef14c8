import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { API_FUNCTIONS, AUTHORIZER_ENTRY, FUNCTION_ENTRY, ROUTES, routeKey, type ApiFunction } from '../routes.js';
import { AUTHORIZER_CACHE_SECONDS, AUTHORIZER_IDENTITY_SOURCE } from '../authorizer.js';
import { API_THROTTLE, type Throttle } from '../throttle.js';
import {
  BATCH_READ_ACTIONS,
  EXPORT_PREFIX,
  SEARCH_INDEXES,
  grantTableAccess,
  LOGO_PREFIX,
  PDF_PREFIX,
  SES_SEND_ACTIONS,
  TABLE_ACTIONS,
  TABLE_READ_ACTIONS,
  type IndexName,
} from './grants.js';
import { serverErrorRateAlarm } from './api-alarms.js';
import { ExportRunner } from './export-runner.js';
import { OverdueJob } from './overdue-job.js';
import { RecurringJob } from './recurring-job.js';
import { RemindersJob } from './reminders-job.js';
import { BackfillFunction } from './backfill-function.js';
import { pascal, serviceFunction, type ServiceFunction } from './service-function.js';
import { StreamConsumer } from './stream-consumer.js';
import { WebhookDelivery } from './webhook-delivery.js';
import { PdfRenderer } from './pdf-renderer.js';

export { TABLE_ACTIONS } from './grants.js';

/** What each API function may touch beyond writing its logs. Least privilege, per function. */
type Access = {
  /** readWrite: TABLE_ACTIONS on the table; read: GetItem and Query only. */
  table: 'none' | 'read' | 'readWrite';
  /** The indexes it may Query: gsi1 for the lists (newest first) of invoices and CRM records. */
  indexes: IndexName[];
  /** s3:GetObject under the PDF prefix: the function presigns links to PDFs (a presigned link carries its signer's permissions). */
  readsPdfs: boolean;
  /** Logos under their prefix: `read` to inline them in documents, `write` to store them (settings). */
  logos?: 'read' | 'write';
  /** Sends email through SES as the sender identity. */
  sendsMail: boolean;
  /** Search: BatchGetItem, and s3:GetObject under the export prefix (to presign export links). */
  searches?: boolean;
  /** Reads the Stripe secret (the processor's secret key and webhook signing secret). */
  readsStripeSecret?: boolean;
  /** Reads the API key pepper secret (to hash new keys). */
  makesApiKeys?: boolean;
  /** Puts webhook deliveries on the delivery queue (the test ping and manual retries). */
  queuesWebhooks?: boolean;
};
export const API_FUNCTION_ACCESS: Record<ApiFunction, Access> = {
  // The preview inlines the seller's logo.
  invoices: { table: 'readWrite', indexes: ['gsi1'], readsPdfs: true, sendsMail: true, logos: 'read' },
  // Settings, API keys, association labels (listed through gsi1; a new key is hashed with the
  // pepper). It stores the seller's logo (PUT /settings/invoices/logo), and nothing else in the bucket.
  settings: {
    table: 'readWrite',
    indexes: ['gsi1'],
    readsPdfs: false,
    sendsMail: false,
    makesApiKeys: true,
    logos: 'write',
  },
  contacts: { table: 'readWrite', indexes: ['gsi1'], readsPdfs: false, sendsMail: false },
  companies: { table: 'readWrite', indexes: ['gsi1'], readsPdfs: false, sendsMail: false },
  crm: { table: 'readWrite', indexes: ['gsi1'], readsPdfs: false, sendsMail: false },
  // The buyer page is public: it reads an invoice by slug and presigns its PDF, nothing more.
  // The page inlines the seller's logo.
  buyer: { table: 'read', indexes: [], readsPdfs: true, sendsMail: false, logos: 'read' },
  // The OpenAPI document is built from code alone.
  docs: { table: 'none', indexes: [], readsPdfs: false, sendsMail: false },
  // Search, saved views (listed through gsi1) and export jobs; the search indexes gsi3 to gsi6.
  index: {
    table: 'readWrite',
    indexes: ['gsi1', ...SEARCH_INDEXES],
    readsPdfs: false,
    sendsMail: false,
    searches: true,
  },
  // Online payments: checkout, the processor's webhook, refunds; the only API function with Stripe's keys.
  payments: { table: 'readWrite', indexes: [], readsPdfs: false, sendsMail: false, readsStripeSecret: true },
  // Webhook endpoints (one partition per account) and their delivery logs; it queues test pings and retries.
  webhooks: { table: 'readWrite', indexes: [], readsPdfs: false, sendsMail: false, queuesWebhooks: true },
};

/** One JSON object per request in the stage's access log (HTTP API $context variables). */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    routeKey: '$context.routeKey',
    path: '$context.path',
    status: '$context.status',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationLatencyMs: '$context.integrationLatency',
    integrationStatus: '$context.integrationStatus',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    accountId: '$context.authorizer.accountId',
    sub: '$context.authorizer.sub',
    apiKeyId: '$context.authorizer.apiKeyId',
  }),
);

export type ApiStackProps = StackProps & {
  table: ITable;
  pdfBucket: IBucket;
  /** The Object Lock retention each issued document is stored with. */
  documentRetentionDays: number;
  /** Where buyers reach the service; invoice URLs are built on it. */
  publicBaseUrl: string;
  jwtIssuer: string;
  jwtAudience: string[];
  /** The From address of invoice emails. */
  mailFrom: string;
  /** The SES identity that verifies it: the address itself or its domain. */
  mailIdentity: string;
  /** Requests per second (steady) and burst for the whole default stage; API_THROTTLE by default. */
  throttle?: Throttle;
  /**
   * The Secrets Manager secret holding Stripe's keys as JSON `{ secretKey, webhookSecret }`, made
   * outside the stack (a secret's value never belongs in a template); `invoice-service/stripe` by default.
   */
  stripeSecretName?: string;
};

/**
 * The stateless half: one Lambda per API function and the HTTP API that routes to them, both
 * generated from the shared route table (infra/routes.ts) so the cloud and the local runtime
 * cannot drift; the table's stream consumer (PDFs, events) with the event bus; the hourly
 * past-due job.
 */
export class ApiStack extends Stack {
  readonly functions: Record<ApiFunction, ServiceFunction>;
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** The API's routes by route key (`GET /invoices/{id}`). */
  readonly routes: Map<string, HttpRoute>;
  /** Where the stage writes one JSON line per request. */
  readonly accessLogs: LogGroup;
  readonly serverErrorAlarm: Alarm;
  readonly bus: EventBus;
  readonly streamConsumer: StreamConsumer;
  readonly overdueJob: OverdueJob;
  readonly recurringJob: RecurringJob;
  readonly remindersJob: RemindersJob;
  readonly backfill: BackfillFunction;
  readonly exportRunner: ExportRunner;
  readonly webhookDelivery: WebhookDelivery;
  readonly pdfRenderer: PdfRenderer;
  /** arn:aws:ses:<region>:<account>:identity/<mailIdentity> */
  readonly mailIdentityArn: string;
  /** The Lambda authorizer: a JWT from the issuer or an API key. */
  readonly authorizerFunction: ServiceFunction;
  /** The secret of the API keys' keyed hash (HMAC): the authorizer and the function that makes keys read it. */
  readonly apiKeyPepper: Secret;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);

    this.mailIdentityArn = this.formatArn({ service: 'ses', resource: 'identity', resourceName: props.mailIdentity });
    const pdfObjects = props.pdfBucket.arnForObjects(`${PDF_PREFIX}*`);

    const stripeSecret = Secret.fromSecretNameV2(
      this,
      'StripeSecret',
      props.stripeSecretName ?? 'invoice-service/stripe',
    );
    // Generated once at deployment, never shown: without it a copy of the table cannot check key guesses.
    this.apiKeyPepper = new Secret(this, 'ApiKeyPepper', {
      description: 'The secret of the keyed hash (HMAC-SHA256) API keys are stored under',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });

    const fns = {} as Record<ApiFunction, ServiceFunction>;
    for (const name of API_FUNCTIONS) {
      const access = API_FUNCTION_ACCESS[name];
      const fn = serviceFunction(this, pascal(name), {
        entry: FUNCTION_ENTRY[name],
        environment: {
          TABLE_NAME: props.table.tableName,
          PUBLIC_BASE_URL: props.publicBaseUrl,
          ...(access.readsPdfs || access.searches || access.logos ? { BUCKET_NAME: props.pdfBucket.bucketName } : {}),
          ...(access.sendsMail ? { MAIL_FROM: props.mailFrom } : {}),
          // The secret's ARN only: its value is read at cold start (Powertools Parameters).
          ...(access.readsStripeSecret ? { STRIPE_SECRET_ARN: stripeSecret.secretArn } : {}),
          ...(access.makesApiKeys ? { API_KEY_PEPPER_SECRET_ARN: this.apiKeyPepper.secretArn } : {}),
        },
      });
      if (access.readsStripeSecret) stripeSecret.grantRead(fn);
      if (access.makesApiKeys) this.apiKeyPepper.grantRead(fn);
      if (access.table !== 'none')
        grantTableAccess(
          fn,
          props.table,
          access.table === 'readWrite' ? TABLE_ACTIONS : TABLE_READ_ACTIONS,
          access.indexes,
        );
      if (access.readsPdfs)
        fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [pdfObjects] }));
      if (access.logos)
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: [access.logos === 'write' ? 's3:PutObject' : 's3:GetObject'],
            resources: [props.pdfBucket.arnForObjects(`${LOGO_PREFIX}*`)],
          }),
        );
      if (access.searches) {
        fn.addToRolePolicy(
          new PolicyStatement({ actions: [...BATCH_READ_ACTIONS], resources: [props.table.tableArn] }),
        );
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: ['s3:GetObject'],
            resources: [props.pdfBucket.arnForObjects(`${EXPORT_PREFIX}*`)],
          }),
        );
      }
      // Only as the sender identity. (While the SES account is in the sandbox, SES also checks
      // the recipients' identities: production access lifts that.)
      if (access.sendsMail)
        fn.addToRolePolicy(new PolicyStatement({ actions: [...SES_SEND_ACTIONS], resources: [this.mailIdentityArn] }));
      fns[name] = fn;
    }
    this.functions = fns;

    // The default stage is made by hand: the L2 HttpApi has no throttle option for the stage it
    // would create itself.
    this.api = new HttpApi(this, 'HttpApi', { apiName: 'invoice-api', createDefaultStage: false });
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.THREE_MONTHS });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? API_THROTTLE,
      // Who called what, with which outcome: the tenant and user from the token, never the token.
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs), format: ACCESS_LOG_FORMAT },
    });
    this.serverErrorAlarm = serverErrorRateAlarm(this, 'ServerErrorRateAlarm', this.stage);

    // One Lambda authorizer for both credentials: a JWT (signature against the issuer's JWKS,
    // issuer, audience, expiry) or an API key (keyed hash, revocation, expiry). Its answer is
    // cached per Authorization header; the handlers re-check keys on every request
    // (functions/auth/live-key-check.ts) and check the permission named in the route table.
    this.authorizerFunction = serviceFunction(this, 'Authorizer', {
      entry: AUTHORIZER_ENTRY,
      description: 'HTTP API authorizer: a JWT from the issuer, or an API key',
      environment: {
        TABLE_NAME: props.table.tableName,
        PUBLIC_BASE_URL: props.publicBaseUrl,
        JWT_ISSUER: props.jwtIssuer,
        JWT_AUDIENCE: props.jwtAudience.join(','),
        API_KEY_PEPPER_SECRET_ARN: this.apiKeyPepper.secretArn,
      },
    });
    // A key lookup, and lastUsedAt (at most once a minute): nothing else of the table.
    grantTableAccess(this.authorizerFunction, props.table, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], []);
    this.apiKeyPepper.grantRead(this.authorizerFunction);
    const authorizer = new HttpLambdaAuthorizer('BearerAuthorizer', this.authorizerFunction, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [AUTHORIZER_IDENTITY_SOURCE],
      resultsCacheTtl: Duration.seconds(AUTHORIZER_CACHE_SECONDS),
    });
    const integrations = new Map(
      API_FUNCTIONS.map((name) => [name, new HttpLambdaIntegration(`${pascal(name)}Integration`, fns[name])]),
    );
    this.routes = new Map();
    for (const route of ROUTES) {
      const [added] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrations.get(route.function)!,
        // Public routes (permission null) get no authorizer at all.
        ...(route.permission ? { authorizer } : {}),
      });
      this.routes.set(routeKey(route), added!);
    }

    new CfnOutput(this, 'ApiUrl', { value: this.stage.url, description: 'Base URL of the invoice API' });

    // The invoice events (invoice.finalized, invoice.paid, ...; source invoice-service). Only the
    // stream consumer may put events on it.
    this.bus = new EventBus(this, 'InvoiceEvents', {
      description: 'Invoice lifecycle events from the invoice service',
    });
    new CfnOutput(this, 'EventBusName', {
      value: this.bus.eventBusName,
      description: 'EventBridge bus of the invoice events',
    });

    this.streamConsumer = new StreamConsumer(this, 'InvoiceStream', {
      table: props.table,
      bucket: props.pdfBucket,
      bus: this.bus,
      publicBaseUrl: props.publicBaseUrl,
      documentRetentionDays: props.documentRetentionDays,
      stripeSecret,
      mailFrom: props.mailFrom,
      mailIdentityArn: this.mailIdentityArn,
    });
    // PDFs off the stream's path: the consumer queues render jobs, the renderer drains them.
    this.pdfRenderer = new PdfRenderer(this, 'Pdfs', {
      table: props.table,
      bucket: props.pdfBucket,
      documentRetentionDays: props.documentRetentionDays,
      layer: this.streamConsumer.layer,
      publicBaseUrl: props.publicBaseUrl,
    });
    this.pdfRenderer.allowEnqueue(this.streamConsumer.fn);
    // Webhooks out: the stream consumer fans each event out to the queue; the delivery function sends.
    this.webhookDelivery = new WebhookDelivery(this, 'Webhooks', {
      table: props.table,
      publicBaseUrl: props.publicBaseUrl,
    });
    this.webhookDelivery.allowEnqueue(this.streamConsumer.fn);
    for (const name of API_FUNCTIONS)
      if (API_FUNCTION_ACCESS[name].queuesWebhooks) this.webhookDelivery.allowEnqueue(fns[name]);
    this.overdueJob = new OverdueJob(this, 'PastDue', { table: props.table, publicBaseUrl: props.publicBaseUrl });
    this.recurringJob = new RecurringJob(this, 'Recurring', {
      table: props.table,
      bucket: props.pdfBucket,
      publicBaseUrl: props.publicBaseUrl,
      mailFrom: props.mailFrom,
      mailIdentityArn: this.mailIdentityArn,
    });
    this.remindersJob = new RemindersJob(this, 'Reminders', {
      table: props.table,
      bucket: props.pdfBucket,
      publicBaseUrl: props.publicBaseUrl,
      mailFrom: props.mailFrom,
      mailIdentityArn: this.mailIdentityArn,
    });
    this.backfill = new BackfillFunction(this, 'Backfills', {
      table: props.table,
      publicBaseUrl: props.publicBaseUrl,
    });
    this.exportRunner = new ExportRunner(this, 'Exports', {
      table: props.table,
      bucket: props.pdfBucket,
      publicBaseUrl: props.publicBaseUrl,
    });
  }
}
