import { createTestApp } from '../../../test/helpers/test-app.js';
import { pino } from 'pino';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../log.js';
import { startHttpServer } from '../http/serve.js';
import { createRateLimit, rateLimitKey, type RateLimitOptions, type TrustProxy } from './rate-limit.js';
import { createFakeProducer } from '../../../test/fakes/fake-producer.js';
import { createFakeJobStore } from '../../../test/fakes/fake-job-store.js';
import { configWithRateLimit } from '../../../test/helpers/test-config.js';
import { AUTH_HEADERS, TEST_AUTH } from '../../../test/helpers/api-keys.js';

function appWith(rateLimit: RateLimitOptions | undefined, trustProxy: TrustProxy = false) {
  return createTestApp({
    auth: TEST_AUTH,
    producer: createFakeProducer(),
    jobStore: createFakeJobStore(),
    logger: createSilentLogger(),
    bodyLimitBytes: 1024,
    rateLimit: rateLimit && { ...rateLimit, trustProxy },
  });
}

/** app.request with a socket address, as @hono/node-server provides it. */
function requestFrom(
  app: ReturnType<typeof appWith>,
  ip: string,
  path = '/api/dm-jobqueue/register',
  headers: Record<string, string> = {},
) {
  return app.request(
    path,
    { method: path.startsWith('/api') ? 'POST' : 'GET', headers: { ...AUTH_HEADERS, ...headers } },
    { incoming: { socket: { remoteAddress: ip, remotePort: 5000, remoteFamily: 'IPv4' } } },
  );
}

function memoryLimiter(perMinute: number, perHour: number) {
  return createRateLimit(
    configWithRateLimit({ requests_per_minute: perMinute, requests_per_hour: perHour, storage_type: 'memory' }),
    createSilentLogger(),
  );
}

describe('rate limiting on /api/*', () => {
  it('counts per minute and per hour, sends exact headers, then answers 429 with Retry-After', async () => {
    const app = appWith(memoryLimiter(3, 5));
    const nowSeconds = Math.ceil(Date.now() / 1000);
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await requestFrom(app, '10.0.0.1');
      expect(response.status).toBe(201);
      expect(response.headers.get('x-ratelimit-limit')).toBe('3');
      expect(response.headers.get('x-ratelimit-hour-limit')).toBe('5');
      expect(response.headers.get('x-ratelimit-hour-remaining')).toBe(String(4 - i));
      remaining.push(response.headers.get('x-ratelimit-remaining') ?? '');
      const reset = Number(response.headers.get('x-ratelimit-reset'));
      expect(reset).toBeGreaterThanOrEqual(nowSeconds + 59);
      expect(reset).toBeLessThanOrEqual(nowSeconds + 61);
      const hourReset = Number(response.headers.get('x-ratelimit-hour-reset'));
      expect(hourReset).toBeGreaterThanOrEqual(nowSeconds + 3599);
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const limited = await requestFrom(app, '10.0.0.1');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(59);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.json()).toMatchObject({
      status: 429,
      title: 'Too Many Requests',
      detail: `Rate limit of 3 requests per minute exceeded; retry in ${retryAfter} s`,
      retry_after_seconds: retryAfter,
    });
  });

  it('enforces the hourly window on its own', async () => {
    const app = appWith(memoryLimiter(100, 2));
    expect((await requestFrom(app, '10.0.0.2')).status).toBe(201);
    expect((await requestFrom(app, '10.0.0.2')).status).toBe(201);
    const limited = await requestFrom(app, '10.0.0.2');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(3500);
    expect(((await limited.json()) as { detail: string }).detail).toMatch(
      /^Rate limit of 2 requests per hour exceeded/,
    );
  });

  it('sends no hourly headers when requests_per_hour is 0', async () => {
    const response = await requestFrom(appWith(memoryLimiter(3, 0)), '10.0.0.3');
    expect(response.headers.get('x-ratelimit-limit')).toBe('3');
    expect(response.headers.has('x-ratelimit-hour-limit')).toBe(false);
  });

  it('is off entirely when enabled is false', async () => {
    const limiter = createRateLimit(configWithRateLimit({ enabled: false }), createSilentLogger());
    expect(limiter).toBeUndefined();
    const app = appWith(limiter);
    for (let i = 0; i < 5; i++) expect((await requestFrom(app, '10.0.0.4')).status).toBe(201);
  });

  it('counts each client IP separately', async () => {
    const app = appWith(memoryLimiter(1, 0));
    expect((await requestFrom(app, '10.0.0.5')).status).toBe(201);
    expect((await requestFrom(app, '10.0.0.5')).status).toBe(429);
    expect((await requestFrom(app, '10.0.0.6')).status).toBe(201);
  });

  it('does not limit the health check or non-API paths', async () => {
    const app = appWith(memoryLimiter(1, 0));
    for (let i = 0; i < 3; i++) {
      const health = await requestFrom(app, '10.0.0.7', '/health');
      expect(health.status).toBe(200);
      expect(health.headers.has('x-ratelimit-limit')).toBe(false);
    }
  });

  it('ignores X-Forwarded-For and X-Real-IP unless trust_proxy is set, so a spoofed header does not escape the limit', async () => {
    const app = appWith(memoryLimiter(1, 0), false);
    expect(
      (await requestFrom(app, '10.0.0.8', '/api/dm-jobqueue/register', { 'x-forwarded-for': '1.1.1.1' })).status,
    ).toBe(201);
    expect(
      (await requestFrom(app, '10.0.0.8', '/api/dm-jobqueue/register', { 'x-forwarded-for': '2.2.2.2' })).status,
    ).toBe(429);
    expect((await requestFrom(app, '10.0.0.8', '/api/dm-jobqueue/register', { 'x-real-ip': '3.3.3.3' })).status).toBe(
      429,
    );
  });

  it('behind a trusted proxy, limits by the address the proxy saw (right-most X-Forwarded-For entry)', async () => {
    const app = appWith(memoryLimiter(1, 0), true);
    const proxy = '192.168.1.10';
    expect(
      (await requestFrom(app, proxy, '/api/dm-jobqueue/register', { 'x-forwarded-for': '203.0.113.7' })).status,
    ).toBe(201);
    // The client prepends a forged entry; the proxy appended the real one on the right.
    expect(
      (await requestFrom(app, proxy, '/api/dm-jobqueue/register', { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' }))
        .status,
    ).toBe(429);
    expect(
      (await requestFrom(app, proxy, '/api/dm-jobqueue/register', { 'x-forwarded-for': '203.0.113.8' })).status,
    ).toBe(201);
    expect((await requestFrom(app, proxy, '/api/dm-jobqueue/register', { 'x-real-ip': '203.0.113.9' })).status).toBe(
      201,
    );
  });

  it('with client_ip_header x-real-ip, limits by X-Real-IP and ignores a client-set X-Forwarded-For', async () => {
    const limiter = memoryLimiter(1, 0);
    const app = appWith(limiter && { ...limiter, clientIpHeader: 'x-real-ip' }, true);
    const from = (headers: Record<string, string>) =>
      requestFrom(app, '192.168.1.10', '/api/dm-jobqueue/register', headers);
    expect((await from({ 'x-real-ip': '203.0.113.7', 'x-forwarded-for': '1.1.1.1' })).status).toBe(201);
    for (const rotating of ['2.2.2.2', '3.3.3.3', '4.4.4.4, 5.5.5.5'])
      expect((await from({ 'x-real-ip': '203.0.113.7', 'x-forwarded-for': rotating })).status).toBe(429);
    expect((await from({ 'x-real-ip': '203.0.113.8' })).status).toBe(201);
  });

  it('with two proxies trusted, takes the second entry from the right; too few entries mean the socket address', async () => {
    const app = appWith(memoryLimiter(1, 0), 2);
    const from = (forwarded: string) =>
      requestFrom(app, '192.168.1.10', '/api/dm-jobqueue/register', { 'x-forwarded-for': forwarded });
    expect((await from('6.6.6.6, 203.0.113.7, 10.0.0.1')).status).toBe(201);
    expect((await from('7.7.7.7, 203.0.113.7, 10.0.0.2')).status).toBe(429);
    expect((await from('203.0.113.7')).status).toBe(201); // the proxy's own address, 192.168.1.10
    expect((await from('203.0.113.9')).status).toBe(429);
  });

  it('limits IPv6 clients per /64 and IPv4-mapped addresses as IPv4', async () => {
    const app = appWith(memoryLimiter(1, 0));
    expect((await requestFrom(app, '2001:db8:1:2::1')).status).toBe(201);
    expect((await requestFrom(app, '2001:db8:1:2:ffff:ffff:ffff:ffff')).status).toBe(429);
    expect((await requestFrom(app, '2001:db8:1:3::1')).status).toBe(201);
    expect((await requestFrom(app, '198.51.100.4')).status).toBe(201);
    expect((await requestFrom(app, '::ffff:198.51.100.4')).status).toBe(429);
  });

  it.each([
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:0DB8:0001:0002:0003:0004:0005:0006', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['10.1.2.3', '10.1.2.3'],
    ['unknown', 'unknown'],
  ])('rateLimitKey(%s) is %s', (address, key) => {
    expect(rateLimitKey(address)).toBe(key);
  });

  it("gives refused requests (401) their own per-IP budget: a bad key cannot spend a valid key's", async () => {
    const app = appWith(memoryLimiter(3, 0));
    const bad = { authorization: 'Bearer garbage' };
    const statuses = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await requestFrom(app, '10.0.1.1', '/api/dm-jobqueue/register', bad)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const refused = await requestFrom(app, '10.0.1.1', '/api/dm-jobqueue/register', bad);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // The valid key on the same address still has its whole minute window.
    const valid = [];
    for (let i = 0; i < 4; i++) valid.push((await requestFrom(app, '10.0.1.1')).status);
    expect(valid).toEqual([201, 201, 201, 429]);
  });

  it('fails open when the store errors, logs once per outage, and limits again when the store is back', async () => {
    let broken = true;
    /** A memory store that fails like a cluster that is down, until told otherwise. */
    class FlakyStore extends RateLimiterMemory {
      override consume(key: string | number, points?: number) {
        if (broken) return Promise.reject(new Error('CLUSTERDOWN The cluster is down'));
        return super.consume(key, points);
      }
    }
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const config = configWithRateLimit({ requests_per_minute: 1, requests_per_hour: 0, storage_type: 'memory' });
    const app = appWith(
      createRateLimit(config, logger, { store: (options) => new FlakyStore(options), label: 'test' }),
    );

    for (let i = 0; i < 5; i++) {
      const response = await requestFrom(app, '10.0.0.9');
      expect(response.status).toBe(201);
      expect(response.headers.get('x-ratelimit-limit')).toBe('1');
      expect(response.headers.has('x-ratelimit-remaining')).toBe(false);
    }
    expect(lines.filter((line) => line.includes('fail-open'))).toHaveLength(1);

    broken = false;
    expect((await requestFrom(app, '10.0.0.9')).status).toBe(201);
    expect((await requestFrom(app, '10.0.0.9')).status).toBe(429);
    expect(lines.filter((line) => line.includes('is reachable again'))).toHaveLength(1);
  });

  it("served by @hono/node-server, sends the same headers on 201 and 429 (written onto Node's response)", async () => {
    const server = await startHttpServer(appWith(memoryLimiter(1, 5)), { host: '127.0.0.1', port: 0 });
    try {
      const post = () =>
        fetch(`http://127.0.0.1:${server.port}/api/dm-jobqueue/register`, {
          method: 'POST',
          headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
          body: '{}',
        });
      const created = await post();
      expect(created.status).toBe(201);
      expect(created.headers.get('content-type')).toMatch(/^application\/json/);
      expect(created.headers.get('x-ratelimit-limit')).toBe('1');
      expect(created.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(created.headers.get('x-ratelimit-hour-remaining')).toBe('4');
      expect(Number(created.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
      await created.body?.cancel();

      const limited = await post();
      expect(limited.status).toBe(429);
      expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(limited.headers.get('x-ratelimit-limit')).toBe('1');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
      expect(await limited.json()).toMatchObject({ status: 429 });
    } finally {
      await server.close();
    }
  });
});
