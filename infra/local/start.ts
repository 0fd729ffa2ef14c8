import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  EXPORT_FUNCTION_ENTRY,
  RENDER_FUNCTION_ENTRY,
  STREAM_FUNCTION_ENTRY,
  WEBHOOK_DELIVERY_FUNCTION_ENTRY,
} from '../routes.js';
import { startRenderPoller } from './render-poller.js';
import { startDeliveryPoller, type DeliveryHandler } from './delivery-poller.js';
import { appendDeadLetter, appendWebhookDeadLetter, localFiles } from './local-files.js';
import { startS3Emulator, type S3Emulator } from './s3-emulator.js';
import { startStreamPoller, type StreamHandler } from './stream-poller.js';
import { createApiServer, listen } from './api-server.js';
import { ensureTable, startDynamoLocal, type DynamoLocal } from './dynamodb-local.js';
import { loadApiKeyPepper, loadSigningKeys, mintToken } from './local-auth.js';
import { localConfig } from './local-config.js';
import { startPaymentsEmulator, type PaymentsEmulator } from './payments-emulator.js';
import { EXPORT_FILTERS, SIDE_EFFECT_FILTERS } from '../stream-filters.js';

/** The emulator's keys: test-mode shaped, known to both sides, never real. */
const LOCAL_STRIPE_KEY = 'sk_test_local';
const LOCAL_WEBHOOK_SECRET = 'whsec_local';

/** Fails early, with a plain message, when a port the stack needs is taken. */
function assertPortFree(port: number, host: string, name: string): Promise<void> {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once('error', () => fail(new Error(`Port ${port} (${name}) is already in use; set ${name} to another port`)));
    probe.listen(port, host, () => probe.close(() => ok()));
  });
}

const ROOT = resolve(import.meta.dirname, '../..');

async function main() {
  const config = localConfig();
  await assertPortFree(config.PORT, config.HOST, 'PORT');
  await assertPortFree(config.DYNAMODB_PORT, '127.0.0.1', 'DYNAMODB_PORT');
  await assertPortFree(config.S3_PORT, '127.0.0.1', 'S3_PORT');
  await assertPortFree(config.PAYMENTS_PORT, '127.0.0.1', 'PAYMENTS_PORT');

  let dynamo: DynamoLocal | undefined;
  let s3: S3Emulator | undefined;
  let payments: PaymentsEmulator | undefined;
  const shutdown = (code: number) => {
    dynamo?.stop();
    void s3?.stop();
    void payments?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  process.on('exit', () => dynamo?.stop());

  console.log(
    `Starting DynamoDB Local on port ${config.DYNAMODB_PORT} (data in ${resolve(config.DATA_DIR, 'dynamodb')}) …`,
  );
  dynamo = await startDynamoLocal({ port: config.DYNAMODB_PORT, dataDir: resolve(config.DATA_DIR, 'dynamodb') });
  dynamo.process.on('exit', (code) => {
    console.error(`DynamoDB Local stopped (code ${code}); stopping the service.`);
    process.exit(1);
  });
  await ensureTable(dynamo.endpoint, config.TABLE_NAME);
  s3 = await startS3Emulator({ port: config.S3_PORT, dir: resolve(config.DATA_DIR, 's3') });

  const baseUrl = `http://${config.HOST}:${config.PORT}`;
  payments = await startPaymentsEmulator({
    port: config.PAYMENTS_PORT,
    webhookUrl: `${baseUrl}/webhooks/stripe`,
    webhookSecret: LOCAL_WEBHOOK_SECRET,
  });
  const files = localFiles(config.DATA_DIR);
  // The handlers read these once, at their cold start, exactly as in Lambda.
  Object.assign(process.env, {
    TABLE_NAME: config.TABLE_NAME,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    PUBLIC_BASE_URL: baseUrl,
    BUCKET_NAME: s3.bucket,
    S3_ENDPOINT: s3.endpoint,
    EVENTS_LOG: files.eventsLog,
    OUTBOX_DIR: files.outbox,
    STRIPE_SECRET_KEY: LOCAL_STRIPE_KEY,
    STRIPE_WEBHOOK_SECRET: LOCAL_WEBHOOK_SECRET,
    STRIPE_API_BASE: payments.endpoint,
    PAYMENTS_AUTOCONNECT: config.PAYMENTS_AUTOCONNECT,
    // API keys read `ik_test_…` here (`ik_live_…` in AWS), hashed with a secret kept in the data folder.
    API_KEY_MODE: 'test',
    API_KEY_PEPPER: loadApiKeyPepper(config.pepperFile),
    // A developer's webhook receiver on this machine (http://127.0.0.1:…) is allowed unless set to 0.
    WEBHOOKS_ALLOW_LOOPBACK: process.env.WEBHOOKS_ALLOW_LOOPBACK ?? '1',
    // The stream consumer queues PDFs for the renderer function, as in AWS (RENDER_QUEUE= to render inline).
    RENDER_QUEUE: process.env.RENDER_QUEUE ?? 'local',
  });
  // Logs: one INFO line a request (POWERTOOLS_LOG_LEVEL to change). The EMF metric lines would
  // double the output; POWERTOOLS_METRICS_DISABLED=false shows them.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

  // The stream's event source mappings and the hourly schedule, played on this machine. Two
  // consumers of the one stream, as in AWS: the side effects (PDFs, events) and the export runner,
  // each given only the records its event source mapping's filters pass (infra/stream-filters.ts).
  for (const [entry, filters] of [
    [STREAM_FUNCTION_ENTRY, SIDE_EFFECT_FILTERS],
    [EXPORT_FUNCTION_ENTRY, EXPORT_FILTERS],
  ] as const) {
    const { handler } = (await import(pathToFileURL(resolve(ROOT, entry)).href)) as { handler: StreamHandler };
    startStreamPoller({
      filters,
      endpoint: dynamo.endpoint,
      tableName: config.TABLE_NAME,
      handler,
      deadLetter: (record, error) => appendDeadLetter(files.deadLetters, record, error),
      log: (line) => console.error(JSON.stringify(line)),
    });
  }
  // The webhook delivery queue's event source mapping: the in-process queue the stream handler and
  // the API fill, drained by the delivery function's own handler.
  const delivery = (await import(pathToFileURL(resolve(ROOT, WEBHOOK_DELIVERY_FUNCTION_ENTRY)).href)) as {
    handler: DeliveryHandler;
  };
  startDeliveryPoller({
    handler: delivery.handler,
    deadLetter: (body, receiveCount) => appendWebhookDeadLetter(files.webhookDeadLetters, body, receiveCount),
  });
  if (process.env.RENDER_QUEUE === 'local')
    await startRenderPoller({
      entry: pathToFileURL(resolve(ROOT, RENDER_FUNCTION_ENTRY)).href,
      deadLetter: (body, receiveCount) => appendWebhookDeadLetter(files.renderDeadLetters, body, receiveCount),
    });
  const { startOverdueSchedule } = await import('./overdue-schedule.js');
  startOverdueSchedule({ intervalMs: config.OVERDUE_INTERVAL_MS });
  // The recurring invoice job: the same local scheduler, running its own Lambda handler.
  const recurring = await import('../../functions/jobs/recurring.handler.js');
  startOverdueSchedule({
    intervalMs: config.RECURRING_INTERVAL_MS,
    run: () => recurring.handler({ scheduledTime: new Date().toISOString() }),
    onError: (e) => console.error(`recurring job failed: ${e instanceof Error ? e.message : String(e)}`),
  });
  const reminders = await import('../../functions/jobs/reminders.handler.js');
  startOverdueSchedule({
    intervalMs: config.REMINDERS_INTERVAL_MS,
    run: () => reminders.handler({ scheduledTime: new Date().toISOString() }),
    onError: (e) => console.error(`reminders job failed: ${e instanceof Error ? e.message : String(e)}`),
  });

  const keys = await loadSigningKeys(config.keyFile);
  const throttle = { rateLimit: config.API_RATE_LIMIT, burstLimit: config.API_BURST_LIMIT };
  await listen(createApiServer({ keys, throttle }), config.PORT, config.HOST);
  const token = await mintToken(keys, { accountId: config.DEMO_ACCOUNT_ID, sub: 'usr_demo', role: 'superAdmin' });

  console.log(`
Invoice service running at ${baseUrl}
  OpenAPI document: ${baseUrl}/openapi.json
  DynamoDB Local:   ${dynamo.endpoint} (table ${config.TABLE_NAME})
  S3 emulator:      ${s3.endpoint} (bucket ${s3.bucket})
  Payments:         ${payments.endpoint} (Stripe emulator; hosted checkout, signed webhooks to /webhooks/stripe)
  Events log:       ${files.eventsLog}
  Email outbox:     ${files.outbox}
  Webhooks:         delivered from this process (loopback receivers ${process.env.WEBHOOKS_ALLOW_LOOPBACK === '1' ? 'allowed' : 'refused'})
  Dead letters:     ${files.deadLetters}
  Past-due job:     every ${Math.round(config.OVERDUE_INTERVAL_MS / 1000)} s, or now with 'npm run job:overdue'
  Recurring job:    every ${Math.round(config.RECURRING_INTERVAL_MS / 1000)} s, or now with 'npm run job:recurring'
  Reminders job:    every ${Math.round(config.REMINDERS_INTERVAL_MS / 1000)} s, or now with 'npm run job:reminders'
  Throttle:         ${throttle.rateLimit} requests/s, bursts of ${throttle.burstLimit} (429 beyond)
  Account ${config.DEMO_ACCOUNT_ID}, user usr_demo, super admin. Token (valid 7 days):

${token}

Try: curl -H "Authorization: Bearer $TOKEN" ${baseUrl}/settings/invoices
Press Ctrl-C to stop.`);
}

main().catch((e: unknown) => {
  console.error(`Could not start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
