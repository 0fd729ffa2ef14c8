import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { httpSender } from '../../../functions/webhooks/http-sender.js';
import { UrlRefused, vetUrl, type Resolved, type Resolver } from '../../../functions/webhooks/url-guard.js';

// The URL guard with DNS played by a resolver the test controls, and the sender against a real
// receiver on loopback: what it refuses, and that it refuses again at delivery (DNS rebinding).
const v4 = (address: string): Resolved => ({ address, family: 4 });
const v6 = (address: string): Resolved => ({ address, family: 6 });
const dns =
  (answers: Record<string, Resolved[]>): Resolver =>
  async (host) => {
    const a = answers[host];
    if (!a) throw new Error('ENOTFOUND');
    return a;
  };
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: unknown) => (e instanceof UrlRefused ? e.message : `threw ${String(e)}`),
  );

let hits = 0;
const server = createServer((req, res) => {
  hits++;
  if (req.url === '/redirect') res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
  else res.writeHead(200).end('x'.repeat(5000));
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

test('a host name is refused when any address it resolves to is private, link-local, CGNAT, metadata or loopback', async () => {
  const resolve = dns({
    'hooks.example.com': [v4('93.184.215.14')],
    'mixed.example.com': [v4('93.184.215.14'), v4('10.0.0.7')],
    'private.example.com': [v4('192.168.0.10')],
    'ula.example.com': [v6('fd00::5')],
    'mapped.example.com': [v6('::ffff:172.16.0.1')],
    'cgnat.example.com': [v4('100.100.100.200')],
    'nat64.example.com': [v6('64:ff9b::a00:1')],
    'local.example.com': [v4('127.0.0.1')],
  });
  const policy = { allowLoopback: false };
  expect(await refusal(vetUrl('https://hooks.example.com/x', policy, resolve))).toBe('accepted');
  for (const host of ['mixed', 'private', 'ula', 'mapped', 'cgnat', 'nat64', 'local'])
    expect(await refusal(vetUrl(`https://${host}.example.com/x`, policy, resolve)), host).toMatch(/resolves to/);
  expect(await refusal(vetUrl('https://nowhere.example.com/', policy, resolve))).toMatch(/does not resolve/);
});

test('loopback, where allowed, may be plain http; other hosts must be https', async () => {
  const resolve = dns({ localhost: [v4('127.0.0.1'), v6('::1')], 'hooks.example.com': [v4('93.184.215.14')] });
  const local = { allowLoopback: true };
  expect(await refusal(vetUrl('http://localhost:3000/hook', local, resolve))).toBe('accepted');
  expect(await refusal(vetUrl('http://127.0.0.1/hook', local, resolve))).toBe('accepted');
  expect(await refusal(vetUrl('http://hooks.example.com/hook', local, resolve))).toMatch(/https/);
  expect(await refusal(vetUrl('http://127.0.0.1/hook', { allowLoopback: false }, resolve))).toMatch(/loopback/);
  // Still refused locally: private, link-local, metadata.
  expect(await refusal(vetUrl('http://10.0.0.1/hook', local, resolve))).toMatch(/private/);
  expect(await refusal(vetUrl('https://169.254.169.254/', local, resolve))).toMatch(/metadata/);
});

test('at delivery the URL is checked again: a host that now resolves to a private address gets no request', async () => {
  let answer = v4('127.0.0.1');
  const resolve: Resolver = async () => [answer];
  const sender = httpSender({ allowLoopback: true }, resolve);
  const url = `http://receiver.test:${port}/hook`;
  const ok = await sender.send(url, {}, '{}');
  expect(ok.statusCode).toBe(200);
  // The first 1 KB of the answer is kept.
  expect(ok.responseBody).toHaveLength(1024);
  const before = hits;
  answer = v4('10.0.0.9'); // rebinding: the name now points inside
  const refused = await sender.send(url, {}, '{}');
  expect(refused).toMatchObject({ statusCode: null, responseBody: null });
  expect(refused.error).toMatch(/^refused: .*private/);
  expect(hits).toBe(before);
});

test('a redirect is not followed: it is a failed attempt', async () => {
  const sender = httpSender({ allowLoopback: true });
  const before = hits;
  const res = await sender.send(`http://127.0.0.1:${port}/redirect`, {}, '{}');
  expect(res.statusCode).toBe(302);
  expect(res.error).toBe('redirects are not followed');
  expect(hits).toBe(before + 1);
});

test('an endpoint that does not answer within the timeout is a failed attempt, not a hang', async () => {
  const silent = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  try {
    const sender = httpSender({ allowLoopback: true }, undefined, 300);
    const started = Date.now();
    const res = await sender.send(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, {}, '{}');
    expect(res.statusCode).toBeNull();
    expect(res.error).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(2_000);
  } finally {
    silent.closeAllConnections();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});
