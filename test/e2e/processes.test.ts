import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/free-port.js';
import { startNodeProcess } from '../../scripts/lib/node-process.js';
import { AUTH_HEADERS, TEST_API_SECRET } from '../helpers/api-keys.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startStack as startProcessStack, type Stack } from '../helpers/stack.js';
import { waitUntilDrained } from '../helpers/queue-drained.js';
import { waitFor } from '../../scripts/lib/wait-for.js';

describe('the real API and worker processes', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function startStack(redis: RedisServer): Promise<Stack> {
    const stack = await startProcessStack(redis, 'e2e');
    cleanup.push(() => stack.stop());
    return stack;
  }

  async function register(stack: Stack, body: unknown): Promise<Response> {
    return fetch(`${stack.baseUrl}/api/dm-jobqueue/register`, {
      method: 'POST',
      headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  /**
   * "API listening" comes before the API's Redis connection is up, and until it
   * is the API answers 503 "Redis is not connected" (nothing stored). Retry only
   * that answer; any other one is returned for the test to check.
   */
  async function registerOnceConnected(stack: Stack, body: unknown): Promise<Response> {
    return waitFor(
      async () => {
        const response = await register(stack, body);
        if (response.status !== 503) return response;
        const { detail } = (await response.clone().json()) as { detail: string };
        return detail.endsWith('Redis is not connected') ? undefined : response;
      },
      { what: 'the API to reach Redis' },
    );
  }

  /** The stack's queue, opened from the test to read its state. */
  function openQueue(redis: RedisServer, stack: Stack): Queue {
    const queue = new Queue(stack.queue.name, {
      prefix: stack.queue.prefix,
      connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null },
    });
    queue.on('error', () => undefined);
    cleanup.push(() => queue.close());
    return queue;
  }

  async function newRedis(options: { appendonly?: boolean } = {}) {
    const redis = await startRedisServer(options);
    cleanup.push(() => redis.destroy());
    return redis;
  }

  it('registers a 1-second job over HTTP and the worker prints it exactly once', async () => {
    const redis = await newRedis();
    const stack = await startStack(redis);
    const health = await fetch(stack.healthUrl);
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await health.text()).toBe('OK');

    const message = `e2e ${Date.now()}`;
    const response = await registerOnceConnected(stack, { message, delay_seconds: 1 });
    expect(response.status, await response.clone().text()).toBe(201);
    const { job_id: jobId } = (await response.json()) as { job_id: string };

    const line = await stack.worker.waitForLine(new RegExp(`${message}$`), { stream: 'stdout' });
    expect(line).toMatch(/^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] e2e \d+$/);
    const completion = await stack.worker.waitForLine(/"msg":"job completed"/, { stream: 'stdout' });
    expect(JSON.parse(completion)).toMatchObject({ jobId, jobType: 'demo:delay_print' });
    // Once the queue holds nothing that could run it again, the count is final.
    const queue = openQueue(redis, stack);
    await waitFor(async () => (await queue.getJobState(jobId)) === 'completed', { what: 'the job to complete' });
    await waitUntilDrained(queue, 'the queue to hold nothing that could run the job again');
    expect(stack.worker.stdout.filter((output) => output.endsWith(message))).toHaveLength(1);

    expect(await stack.api.stop('SIGTERM')).toBe(0);
    expect(await stack.worker.stop('SIGTERM')).toBe(0);
  });

  it('both processes start without Redis, warn once, answer 503, and work when Redis appears', async () => {
    const redis = await newRedis({ appendonly: true });
    await redis.stop();
    const stack = await startStack(redis);
    expect((await fetch(stack.healthUrl)).status).toBe(200);
    const readyUrls = [`${stack.baseUrl}/ready`, stack.healthUrl.replace(/\/health$/, '/ready')];
    for (const url of readyUrls) {
      const notReady = await fetch(url);
      expect(notReady.status, url).toBe(503);
      expect(notReady.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await notReady.json()) as { detail: string }).detail).toBe(
        'Not ready: the job-queue Redis is not reachable',
      );
    }

    const started = performance.now();
    const down = await register(stack, { delay_seconds: 0 });
    expect(down.status).toBe(503);
    // "At once": the API does not wait for Redis. A local round trip takes milliseconds; 1 s is generous
    // for 2 shared cores.
    expect(performance.now() - started).toBeLessThan(1000);
    expect(down.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await down.json()).toMatchObject({
      status: 503,
      detail: 'Job queue service is unavailable: Redis is not connected',
    });

    // More 503s during the same outage: still one warning in all, not one per answer.
    for (let i = 0; i < 5; i++) expect((await register(stack, {})).status).toBe(503);
    // Each 503 is logged (info, stdout) before it is answered, after any warning it would cause (stderr):
    // once the six registrations' lines are read, and the warning each process does give, the counts are final.
    await waitFor(
      () =>
        stack.api.stdout.filter(
          (line) =>
            line.includes('"path":"/api/dm-jobqueue/register"') &&
            line.includes('request not served: job queue unavailable'),
        ).length >= 6,
      { what: "the API's log lines of the six 503 registrations" },
    );
    await stack.api.waitForLine(/is not reachable/, { stream: 'stderr' });
    await stack.worker.waitForLine(/is not reachable/, { stream: 'stderr' });
    const stderrLines = stack.api.stderr.filter((line) => line.trim() !== '');
    expect(stderrLines).toHaveLength(1);
    expect(stderrLines[0]).toContain('is not reachable');
    expect(stderrLines[0]).toContain('registering a job answers 503 until it is back');
    expect(stack.worker.stderr.filter((line) => line.includes('is not reachable'))).toHaveLength(1);

    await redis.start();
    const message = `after outage ${Date.now()}`;
    await waitFor(async () => (await register(stack, { message, delay_seconds: 0 })).status === 201, {
      what: 'a 201 after Redis came up',
    });
    await stack.worker.waitForLine(new RegExp(`${message}$`), { stream: 'stdout' });
    await stack.api.waitForLine(/is reachable again/);
    for (const url of readyUrls) {
      await waitFor(async () => (await fetch(url)).status === 200, { what: `${url} to answer 200` });
      expect(await (await fetch(url)).text()).toBe('ready');
    }
    expect(await stack.api.stop()).toBe(0);
    expect(await stack.worker.stop()).toBe(0);
  });

  it('a delayed job registered over HTTP survives a Redis restart and runs once', async () => {
    const redis = await newRedis({ appendonly: true });
    const stack = await startStack(redis);
    const message = `restart ${Date.now()}`;
    const registered = await registerOnceConnected(stack, { message, delay_seconds: 2 });
    const body = await registered.text();
    expect(registered.status, body).toBe(201);
    const { job_id: jobId } = JSON.parse(body) as { job_id: string };
    await redis.stop('SIGTERM');
    // Pacing, not proof: Redis stays down past the job's 2 s delay, so it comes due during the outage.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await redis.start();
    await stack.worker.waitForLine(new RegExp(`${message}$`), { stream: 'stdout' });
    // Once the queue holds nothing that could run it again, the count is final.
    const queue = openQueue(redis, stack);
    await waitFor(async () => (await queue.getJobState(jobId)) === 'completed', { what: 'the job to complete' });
    await waitUntilDrained(queue, 'the queue to hold nothing that could run the job again');
    expect(stack.worker.stdout.filter((output) => output.endsWith(message))).toHaveLength(1);
  });

  it("answers every request with an X-Request-Id that its log line carries, keeping a caller's own", async () => {
    const stack = await startStack(await newRedis());
    const response = await registerOnceConnected(stack, { delay_seconds: 60 });
    const id = response.headers.get('x-request-id') ?? '';
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const own = await fetch(`${stack.baseUrl}/api/dm-jobqueue/register`, {
      method: 'POST',
      headers: { 'x-request-id': 'trace-abc-123' },
    });
    expect(own.status).toBe(401);
    expect(own.headers.get('x-request-id')).toBe('trace-abc-123');
    const line = await stack.api.waitForLine(/"requestId":"trace-abc-123"/);
    expect(JSON.parse(line)).toMatchObject({ requestId: 'trace-abc-123', method: 'POST', status: 401 });
    // No key or token in any log line.
    expect([...stack.api.stdout, ...stack.api.stderr].join('\n')).not.toMatch(/Bearer|eyJ/);
  });

  it('stores jobs under a hash-tag prefix through the API and runs them in the worker', async () => {
    const redis = await newRedis();
    const stack = await startProcessStack(redis, 'e2e-tag', { JOBQUEUE_PREFIX: '{dm-jobqueue}' });
    cleanup.push(() => stack.stop());
    const message = `tagged ${Date.now()}`;
    const response = await registerOnceConnected(stack, { message, delay_seconds: 0 });
    expect(response.status, await response.clone().text()).toBe(201);
    await stack.worker.waitForLine(new RegExp(`${message}$`), { stream: 'stdout' });
    const admin = new Redis(redis.port);
    cleanup.push(async () => void admin.disconnect());
    const keys = await admin.keys('*');
    expect(keys.length).toBeGreaterThan(0);
    // Every key of the queue carries the hash tag, so a Redis Cluster keeps them in one slot.
    for (const key of keys) expect(key.startsWith('{dm-jobqueue}:')).toBe(true);
  });

  it.for([
    ['src/server.ts', 'SERVER_PORT', 'API server'],
    ['src/worker.ts', 'JOBQUEUE_PORT', 'worker'],
  ] as const)(
    '%s exits 1 at once when its port is taken, saying which port and how to choose another',
    async ([entry, variable, name]) => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      cleanup.push(() => new Promise((resolve) => blocker.close(resolve)));
      const port = (blocker.address() as AddressInfo).port;
      const redis = await newRedis();
      const child = startNodeProcess(entry, {
        REDIS_JOBQUEUE_ADDR: redis.addr,
        SERVER_PORT: String(port),
        JOBQUEUE_PORT: String(port),
        API_SECRET_KEY: TEST_API_SECRET,
      });
      cleanup.push(() => child.stop('SIGKILL'));
      // "At once" as opposed to retrying forever: starting under tsx takes a second or two on 2 shared cores,
      // so 8 s is generous, and only a process that keeps running fails here.
      const code = await Promise.race([
        child.exited,
        new Promise((resolve) => setTimeout(() => resolve('still running'), 8000)),
      ]);
      expect(code).toBe(1);
      const stderr = child.stderr.join('\n');
      expect(stderr).toContain(
        `${name} could not start: port ${port} on 127.0.0.1 is already in use by another program`,
      );
      expect(stderr).toContain(variable);
      expect(stderr).not.toMatch(/\n\s+at /);
    },
  );

  it.for(['staging', 'test'])(
    'refuses to start in %s without API_SECRET_KEY, in one line saying how to make one',
    async (appEnv) => {
      const api = startNodeProcess('src/server.ts', {
        APP_ENV: appEnv,
        API_SECRET_KEY: '',
        SERVER_PORT: String(await freePort()),
      });
      cleanup.push(() => api.stop('SIGKILL'));
      expect(await api.exited).toBe(1);
      const lines = api.stderr.filter((line) => line.trim() !== '');
      expect(lines).toEqual([
        `API server could not start: invalid configuration: API_SECRET_KEY: is not set; make one with: npm run api-key -- --new-secret, and put API_SECRET_KEY=<it> in the environment or in .env.${appEnv}.local (git-ignored)`,
      ]);
    },
  );

  it('refuses to start with a bad configuration value and says which', async () => {
    const api = startNodeProcess('src/server.ts', { SERVER_PORT: 'eighty' });
    expect(await api.exited).toBe(1);
    expect(api.stderr.join('\n')).toMatch(/config\/test\/config\.yaml: server\.port: .*SERVER_PORT/);
  });
});
