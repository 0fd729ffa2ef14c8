import { once } from 'node:events';
import type { DynamoLocal } from '../../infra/local/dynamodb-local.js';

/** A benchmark's own correctness check failed: its figures would mean nothing. */
export class BenchFailure extends Error {}

export type RunningDynamo = { current: DynamoLocal | undefined };

async function stopDynamo(d: DynamoLocal | undefined) {
  if (!d || d.process.exitCode !== null || d.process.signalCode !== null) return;
  const exited = once(d.process, 'exit');
  d.stop();
  const timer = setTimeout(() => d.process.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Runs a benchmark that starts its own DynamoDB Local (it sets `running.current`) and makes sure
 * that, however the process ends (an error, Ctrl-C, a closed stdout pipe), DynamoDB Local does not
 * outlive it. Exits 0 when `main` reports its checks passed, 1 otherwise.
 */
export async function runBench(main: (running: RunningDynamo) => Promise<boolean>): Promise<never> {
  const running: RunningDynamo = { current: undefined };
  process.on('exit', () => running.current?.stop());
  process.stdout.on('error', () => process.exit(1));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping DynamoDB Local`);
      void stopDynamo(running.current).finally(() => process.exit(130));
    });
  }
  let ok = false;
  try {
    ok = await main(running);
  } catch (e) {
    console.error(e instanceof BenchFailure ? `BENCHMARK FAILED: ${e.message}` : e);
  } finally {
    await stopDynamo(running.current);
  }
  // The SDK clients keep sockets open; nothing is left to do.
  process.exit(ok ? 0 : 1);
}
