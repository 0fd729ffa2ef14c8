/**
 * `npm run job:recurring`: runs the recurring invoice job once, now, against the running local
 * service's data (DynamoDB Local on DYNAMODB_PORT, table TABLE_NAME; see local-config.ts), through
 * the same Lambda handler the schedule invokes, and prints the counts. Emails of schedules that
 * send go to the service's outbox folder, as from `npm start`.
 */
import { runningServiceProblem } from './dynamodb-local.js';
import { localConfig } from './local-config.js';
import { localFiles } from './local-files.js';

async function main(): Promise<number> {
  const config = localConfig();
  const endpoint = `http://127.0.0.1:${config.DYNAMODB_PORT}`;

  const problem = await runningServiceProblem(endpoint, config.TABLE_NAME);
  if (problem) {
    console.error(problem);
    return 1;
  }

  // The handler reads these once, at its cold start, exactly as in Lambda.
  Object.assign(process.env, {
    TABLE_NAME: config.TABLE_NAME,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    PUBLIC_BASE_URL: process.env.PUBLIC_BASE_URL ?? `http://${config.HOST}:${config.PORT}`,
    OUTBOX_DIR: localFiles(config.DATA_DIR).outbox,
  });
  const { handler } = await import('../../functions/jobs/recurring.handler.js');
  const started = performance.now();
  try {
    const c = await handler({ scheduledTime: new Date().toISOString() });
    console.log(
      `Recurring job on ${config.TABLE_NAME}: read ${c.itemsRead} index item(s), issued ${c.issued}, ` +
        `skipped ${c.skipped} (not yet due in their account's zone, or claimed meanwhile), blocked ${c.blocked} ` +
        `(see lastError), ended ${c.ended}, send failures ${c.sendFailed}, ${c.accounts} account(s), ` +
        `${Math.round(performance.now() - started)} ms`,
    );
    return 0;
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
