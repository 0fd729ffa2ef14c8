import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { localConfig } from '../../infra/local/local-config.js';
import { TokenBucket } from '../../infra/local/token-bucket.js';
import { API_THROTTLE } from '../../infra/throttle.js';
import { client, startStack, uniqueAccount, type ApiResponse, type Stack } from '../support/local-stack.js';

const THROTTLE = { rateLimit: 2, burstLimit: 5 };

describe('the local API server, throttled as the stage is', () => {
  let stack: Stack;
  let call: ReturnType<typeof client>;

  beforeAll(async () => {
    stack = await startStack({ throttle: THROTTLE });
    call = client(stack.baseUrl, await stack.token(uniqueAccount()));
  });
  afterAll(() => stack.close());

  const expectThrottled = (res: ApiResponse) => {
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body).toEqual({
      type: expect.any(String),
      title: expect.any(String),
      status: 429,
      detail: expect.any(String),
    });
    const retryAfter = res.headers.get('retry-after');
    expect(retryAfter).toMatch(/^[1-9]\d*$/);
  };

  test('a burst over the limit gets some 429s with problem+json and Retry-After, the rest succeed, and nothing fails', async () => {
    const started = performance.now();
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? call('GET', '/settings/invoices') : call('GET', '/openapi.json'))),
    );
    const seconds = (performance.now() - started) / 1000;
    const statuses = responses.map((r) => r.status);
    expect(
      statuses.filter((s) => s >= 500),
      JSON.stringify(statuses),
    ).toEqual([]);
    expect(
      statuses.every((s) => s === 200 || s === 429),
      JSON.stringify(statuses),
    ).toBe(true);
    const ok = statuses.filter((s) => s === 200).length;
    // The whole burst first, then what the rate refilled while the requests were in flight.
    expect(ok).toBeGreaterThanOrEqual(THROTTLE.burstLimit);
    expect(ok).toBeLessThanOrEqual(THROTTLE.burstLimit + Math.ceil(seconds * THROTTLE.rateLimit) + 1);
    const throttled = responses.filter((r) => r.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    for (const res of throttled) expectThrottled(res);
  });

  test('waiting Retry-After seconds is enough to be let through again', async () => {
    let res = await call('GET', '/openapi.json');
    while (res.status === 200) res = await call('GET', '/openapi.json');
    expectThrottled(res);
    await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after')) * 1000));
    expect((await call('GET', '/openapi.json')).status).toBe(200);
  });

  test('a throttled request never reaches the function: a throttled create creates nothing', async () => {
    const own = client(stack.baseUrl, await stack.token(uniqueAccount()));
    await new Promise((r) => setTimeout(r, (THROTTLE.burstLimit / THROTTLE.rateLimit) * 1000));
    const creates = await Promise.all(
      Array.from({ length: 12 }, (_, i) => own('POST', '/contacts', { firstName: `C${i}` })),
    );
    const created = creates.filter((r) => r.status === 201).length;
    expect(creates.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, (THROTTLE.burstLimit / THROTTLE.rateLimit) * 1000));
    const list = await own('GET', '/contacts?limit=100');
    expect(list.status).toBe(200);
    expect(list.body.results).toHaveLength(created);
  });
});

describe('the throttle settings', () => {
  test('npm start defaults to the stage throttle the CDK stack sets, and API_RATE_LIMIT / API_BURST_LIMIT change it', () => {
    const saved = { rate: process.env.API_RATE_LIMIT, burst: process.env.API_BURST_LIMIT };
    try {
      delete process.env.API_RATE_LIMIT;
      delete process.env.API_BURST_LIMIT;
      expect(localConfig()).toMatchObject({
        API_RATE_LIMIT: API_THROTTLE.rateLimit,
        API_BURST_LIMIT: API_THROTTLE.burstLimit,
      });
      Object.assign(process.env, { API_RATE_LIMIT: '5000', API_BURST_LIMIT: '10000' });
      expect(localConfig()).toMatchObject({ API_RATE_LIMIT: 5000, API_BURST_LIMIT: 10000 });
      process.env.API_BURST_LIMIT = '0';
      expect(() => localConfig()).toThrow(/API_BURST_LIMIT/);
    } finally {
      for (const [name, value] of [
        ['API_RATE_LIMIT', saved.rate],
        ['API_BURST_LIMIT', saved.burst],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  test('the token bucket lets a burst through, then refills at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket({ rateLimit: 10, burstLimit: 3 }, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBeCloseTo(0.1);
    now += 50;
    expect(bucket.take()).toBeCloseTo(0.05);
    now += 50;
    expect(bucket.take()).toBe(0);
    // Idle time refills up to the burst, never beyond it.
    now += 60_000;
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBeGreaterThan(0);
  });
});
