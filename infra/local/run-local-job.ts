import { runningServiceProblem } from './dynamodb-local.js';
import { localConfig, type LocalConfig } from './local-config.js';

/**
 * Runs a scheduled job once, now, against the running local service's data (DynamoDB Local on
 * DYNAMODB_PORT, table TABLE_NAME; see local-config.ts), through the same Lambda handler the
 * schedule invokes, prints `report(counts, ms)` and exits: what `npm run job:…` does.
 */
export function runLocalJob<C>(job: {
  /** Further environment the handler needs (beside the table, region and public URL). */
  env?: (config: LocalConfig) => Record<string, string>;
  handler: () => Promise<{ handler: (event: { scheduledTime: string }) => Promise<C> }>;
  report: (tableName: string, counts: C, ms: number) => string;
}): void {
  const main = async (): Promise<number> => {
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
      ...job.env?.(config),
    });
    const { handler } = await job.handler();
    const started = performance.now();
    try {
      const counts = await handler({ scheduledTime: new Date().toISOString() });
      console.log(job.report(config.TABLE_NAME, counts, Math.round(performance.now() - started)));
      return 0;
    } catch (e) {
      console.error(e instanceof Error ? e.message : String(e));
      return 1;
    }
  };
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
