import { Hono } from 'hono';
import { Redis } from 'ioredis';
import { requestId } from 'hono/request-id';
import { bearerAuth } from '../../src/infra/http/bearer-auth.js';
import { apiMetricsExtension } from '../../src/extras/metrics/extra.js';
import { httpMetrics } from '../../src/extras/metrics/metrics.js';
import { createApiMetrics } from '../../src/extras/metrics/metrics.js';
import { cors } from 'hono/cors';
import { AUTH_HEADERS, TEST_AUTH, testKey } from '../../test/helpers/api-keys.js';
import { startBenchServer } from '../lib/bench-server.js';
import { spread } from '../lib/stats.js';
import { createSilentLogger } from '../../src/infra/log.js';
import { createRateLimit } from '../../src/infra/rate-limit/rate-limit.js';
import { configWithRateLimit } from '../../test/helpers/test-config.js';
import { createTestApp } from '../../test/helpers/test-app.js';

/** A scrape login: the metrics extra is on only with one. */
const SCRAPE = { username: 'bench', password: 'bench scrape login' };
const CORS = {
  allowed_origins: ['http://localhost:3000'],
  allowed_methods: ['GET', 'POST', 'OPTIONS'],
  allowed_headers: ['Content-Type', 'Authorization'],
  exposed_headers: ['Location', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'],
  allow_credentials: true,
  max_age_seconds: 600,
};

// As src/app.ts configures Hono's cors from the settings.
const honoCors = cors({
  origin: CORS.allowed_origins,
  allowMethods: CORS.allowed_methods,
  allowHeaders: CORS.allowed_headers,
  exposeHeaders: CORS.exposed_headers,
  credentials: CORS.allow_credentials,
  maxAge: CORS.max_age_seconds,
});

export interface AuthCost {
  /** Node CPU per request (µs), in-process through app.request, medians over the rounds. */
  micros: Record<'bare route' | 'CORS' | 'authentication' | 'CORS + authentication' | 'request id' | 'metrics', number>;
  /** CPU of one scrape of the API's registry (µs), median. */
  scrapeMicros: number;
  /** Redis commands the job-queue Redis served for 1,000 401s and 1,000 403s from the real API. */
  redisCommandsFor401And403: number;
  statuses: number[];
  /** Node CPU per register request (µs) of the whole app with a producer that stores nothing: everything on, then one feature off at a time. */
  features: Record<string, number>;
}

/** The register route of the real app (createApp) with every feature on, minus `off`, over a producer that stores nothing. */
function registerApp(off: 'cors' | 'auth' | 'rateLimit' | 'metrics' | undefined) {
  const limit = createRateLimit(
    configWithRateLimit({
      enabled: true,
      requests_per_minute: 100_000_000,
      requests_per_hour: 1_000_000_000,
      storage_type: 'memory',
    }),
    createSilentLogger(),
  );
  // Authentication is always on in createApp (createTestApp gives it the test's keys); its cost alone is the "authentication" row.
  return createTestApp({
    producer: { enqueue: async () => ({ createdAt: Date.now() }) },
    bodyLimitBytes: 16_384,
    ...(off === 'cors' ? {} : { cors: CORS }),
    ...(off === 'rateLimit' || !limit ? {} : { rateLimit: limit }),
    ...(off === 'metrics' ? {} : { extensions: [apiMetricsExtension(SCRAPE)] }),
  });
}

async function microsPerRequest(app: Hono, headers: Record<string, string>, count: number): Promise<number> {
  for (let i = 0; i < 500; i++) await app.request('/api/x', { method: 'POST', headers });
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) await app.request('/api/x', { method: 'POST', headers });
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

async function microsPerRegister(
  app: { request: Hono['request'] },
  headers: Record<string, string>,
  body: string,
  count: number,
): Promise<number> {
  // A socket as @hono/node-server passes it: without one, the limiter's client-IP lookup throws and catches each time.
  const env = { incoming: { socket: { remoteAddress: '127.0.0.1', remoteFamily: 'IPv4', remotePort: 40_000 } } };
  const send = () => app.request('/api/dm-jobqueue/register', { method: 'POST', headers, body }, env);
  for (let i = 0; i < 500; i++) await send();
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) await send();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

/**
 * What CORS and bearer authentication add per request, each middleware alone
 * and both, on a route that only answers 201 (so nothing else is measured);
 * and that refused keys never reach the job-queue Redis.
 */
export async function benchAuthCost(
  redisPort: number,
  { rounds, count }: { rounds: number; count: number },
): Promise<AuthCost> {
  // Counters that have seen the load, as a real scrape would find them.
  const apiMetrics = createApiMetrics();
  const route = (app: Hono) => app.post('/api/x', (c) => c.json({ ok: true }, 201));
  const variants = {
    'bare route': route(new Hono()),
    CORS: route(new Hono().use('/api/*', honoCors)),
    authentication: route(new Hono().use('/api/*', bearerAuth(TEST_AUTH))),
    'CORS + authentication': route(new Hono().use('/api/*', honoCors).use('/api/*', bearerAuth(TEST_AUTH))),
    'request id': route(new Hono().use(requestId())),
    metrics: route(new Hono().use(httpMetrics(apiMetrics))),
  };
  const headers = { ...AUTH_HEADERS, origin: 'http://localhost:3000', 'content-type': 'application/json' };
  const samples = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const [name, app] of Object.entries(variants))
      samples.set(name, [...(samples.get(name) ?? []), await microsPerRequest(app, headers, count)]);
  }
  const micros = Object.fromEntries(
    [...samples].map(([name, values]) => [name, spread(values).median]),
  ) as AuthCost['micros'];
  const featureVariants = {
    'everything on': registerApp(undefined),
    'without CORS': registerApp('cors'),
    'without the rate limit': registerApp('rateLimit'),
    'without metrics': registerApp('metrics'),
  };
  const featureSamples = new Map<string, number[]>();
  const registerBody = JSON.stringify({ message: 'bench job', delay_seconds: 180 });
  for (let round = 0; round < rounds; round++) {
    for (const [name, app] of Object.entries(featureVariants)) {
      featureSamples.set(name, [
        ...(featureSamples.get(name) ?? []),
        await microsPerRegister(app, { ...headers }, registerBody, count / 4),
      ]);
    }
  }
  const features = Object.fromEntries([...featureSamples].map(([name, values]) => [name, spread(values).median]));
  const scrapes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const before = process.cpuUsage();
    await apiMetrics.registry.metrics();
    const used = process.cpuUsage(before);
    scrapes.push(used.user + used.system);
  }

  const server = await startBenchServer('auth', 'full-register.ts', {
    REDIS_PORT: String(redisPort),
    QUEUE_NAME: 'bench-auth',
    RATE_LIMIT: 'memory',
  });
  const admin = new Redis(redisPort);
  try {
    const calls = async () =>
      [...(await admin.info('commandstats')).matchAll(/calls=(\d+)/g)].reduce(
        (sum, match) => sum + Number(match[1]),
        0,
      );
    const readOnly = `Bearer ${await testKey(['read'])}`;
    const before = await calls();
    const statuses = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      for (const authorization of [undefined, readOnly]) {
        const response = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          body: '{}',
        });
        statuses.add(response.status);
        await response.arrayBuffer();
      }
    }
    // Minus the INFO call that reads the counters.
    return {
      micros,
      features,
      scrapeMicros: spread(scrapes).median,
      redisCommandsFor401And403: (await calls()) - before - 1,
      statuses: [...statuses].sort(),
    };
  } finally {
    admin.disconnect();
    await server.process.stop('SIGTERM');
  }
}
