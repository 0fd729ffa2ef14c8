import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { freePort } from '../../infra/local/free-port.js';
import { client } from '../support/local-stack.js';
import { until } from '../support/until.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Runs `npm start`'s entry as a user would, and waits for the printed token. */
function start(env: Record<string, string>): Promise<{ child: ChildProcess; token: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: ROOT,
    // A temporary folder of its own: the service it starts renders PDFs, and a Ctrl-C while
    // Chromium is being unpacked leaves a cut binary that every later launch from the same folder
    // (the rest of the test run's) would find and fail on.
    env: { ...process.env, TMPDIR: mkdtempSync(join(tmpdir(), 'npm-start-')), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no token within 90 s:\n${out}`)), 90_000);
    const check = setInterval(() => {
      const token = /^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m.exec(out)?.[1];
      if (token) {
        clearInterval(check);
        clearTimeout(timer);
        ok({ child, token, output: () => out });
      }
    }, 100);
    child.on('exit', (code) => {
      clearInterval(check);
      clearTimeout(timer);
      fail(new Error(`exited with ${code}:\n${out}`));
    });
  });
}

const stopped = (child: ChildProcess) =>
  new Promise<number | null>((ok) =>
    child.exitCode !== null ? ok(child.exitCode) : child.on('exit', (code) => ok(code)),
  );

async function portOpen(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`);
    return true;
  } catch {
    return false;
  }
}

test('npm start: token, API, Ctrl-C stops DynamoDB Local, a restart keeps the data', async () => {
  const env = {
    PORT: String(await freePort()),
    DYNAMODB_PORT: String(await freePort()),
    S3_PORT: String(await freePort()),
    PAYMENTS_PORT: String(await freePort()),
    DATA_DIR: mkdtempSync(join(tmpdir(), 'inv-data-')),
  };
  const baseUrl = `http://127.0.0.1:${env.PORT}`;

  const first = await start(env);
  expect(first.output()).toContain(`Invoice service running at ${baseUrl}`);
  const api = client(baseUrl, first.token);
  const created = await api('POST', '/invoices', { lineItems: [{ name: 'Kept', unitPrice: 100 }] });
  expect(created.status).toBe(201);

  // The processor emulator runs on PAYMENTS_PORT: a checkout goes there, and its signed event pays the invoice.
  const contact = (await api('POST', '/contacts', { firstName: 'Ada' })).body.id;
  const draft = (
    await api('POST', '/invoices', { contacts: [contact], lineItems: [{ name: 'Paid online', unitPrice: 2500 }] })
  ).body;
  const open = (await api('POST', `/invoices/${draft.id}/finalize`)).body;
  const checkout = await fetch(`${baseUrl}/i/${open.slug}/checkout`, { method: 'POST', redirect: 'manual' });
  expect(checkout.status).toBe(303);
  const hosted = checkout.headers.get('location')!;
  expect(hosted.startsWith(`http://127.0.0.1:${env.PAYMENTS_PORT}/checkout/`)).toBe(true);
  const helper = await fetch(
    `http://127.0.0.1:${env.PAYMENTS_PORT}/v1/test_helpers/checkout/sessions/${hosted.split('/').pop()}/complete`,
    {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_local', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'payment_method=pm_card_visa',
    },
  );
  expect(helper.status).toBe(200);
  await until('paid online', async () => (await api('GET', `/invoices/${draft.id}`)).body.status === 'paid', 30_000);
  first.child.kill('SIGINT');
  expect(await stopped(first.child)).toBe(0);
  // The Java child is gone too (it gets SIGTERM on the way out and closes its port when it exits).
  await until('DynamoDB Local to close its port', async () => !(await portOpen(Number(env.DYNAMODB_PORT))), 15_000);

  const second = await start(env);
  // The signing key lives in the data folder, so the first token still works.
  const again = await client(baseUrl, first.token)('GET', `/invoices/${created.body.id}`);
  expect(second.output()).toContain(`S3 emulator:      http://127.0.0.1:${env.S3_PORT}`);
  expect(again.status).toBe(200);
  expect(again.body.number).toBe('INV-1001');
  second.child.kill('SIGTERM');
  await stopped(second.child);
}, 180_000);

test('a port already in use is a plain message, not a stack trace', async () => {
  const blocker: Server = await new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => ok(s));
  });
  const port = (blocker.address() as AddressInfo).port;
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), DATA_DIR: mkdtempSync(join(tmpdir(), 'inv-data-')) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  expect(await stopped(child)).toBe(1);
  blocker.close();
  expect(out).toContain(`Port ${port} (PORT) is already in use`);
  expect(out).not.toMatch(/\n\s+at /); // no stack trace
});

test('npm run token mints a working token for any account and permissions', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'inv-data-'));
  const run = (args: string[]) =>
    new Promise<string>((ok, fail) => {
      const c = spawn(process.execPath, ['--import', 'tsx', 'infra/local/token-cli.ts', ...args], {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: dataDir },
      });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (out += d.toString()));
      c.on('exit', (code) => (code === 0 ? ok(out) : fail(new Error(out))));
    });
  const out = await run(['--account', 'acc_other', '--permissions', 'invoices:read', '--sub', 'usr_7']);
  const token = out.trim().split('\n').at(-1)!;
  const [, payload] = token.split('.');
  expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toMatchObject({
    accountId: 'acc_other',
    sub: 'usr_7',
    permissions: ['invoices:read'],
  });
  await expect(run(['--account', 'acc_other', '--permissions', 'invoices:fly'])).rejects.toThrow(/Unknown permission/);
});
