/**
 * `npm run backfill [-- <name>] [--restart]`: runs the service's backfills (all, in order, or the
 * one named) against the running local service's data, through the same handler the Backfill
 * function runs in AWS. Each resumes from its checkpoint and saves one after every page, so a run
 * stopped midway goes on where it stopped; a finished one does nothing. `--list` lists them.
 */
import { BACKFILLS } from '../../functions/backfills/backfills.js';
import { runningServiceProblem } from './dynamodb-local.js';
import { localConfig } from './local-config.js';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--list')) {
    for (const b of BACKFILLS) console.log(`${b.name}: ${b.description}`);
    return 0;
  }
  const config = localConfig();
  const endpoint = `http://127.0.0.1:${config.DYNAMODB_PORT}`;
  const problem = await runningServiceProblem(endpoint, config.TABLE_NAME);
  if (problem) {
    console.error(problem);
    return 1;
  }
  Object.assign(process.env, {
    TABLE_NAME: config.TABLE_NAME,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    PUBLIC_BASE_URL: process.env.PUBLIC_BASE_URL ?? `http://${config.HOST}:${config.PORT}`,
  });
  const name = args.find((a) => !a.startsWith('--'));
  const { handler } = await import('../../functions/jobs/backfill.handler.js');
  const { results } = await handler({ ...(name ? { name } : {}), restart: args.includes('--restart') });
  for (const r of results)
    console.log(
      `${r.name}: ${r.done ? 'done' : 'stopped'}, ${r.scanned} item(s) read, ${r.changed} changed, ${r.pages} page(s)`,
    );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
