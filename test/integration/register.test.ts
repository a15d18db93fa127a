import { createTestApp } from '../helpers/test-app.js';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { createOutageLog } from '../../src/infra/log.js';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/infra/log.js';
import { createBullmqProducer } from '../../src/infra/queue/bullmq-queue.js';
import { createLazyQueue } from '../../src/infra/queue/bullmq-queue.js';
import { producerRedisOptions } from '../../src/infra/redis/connection.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { useRedisFixture } from '../helpers/redis-fixture.js';
import { redisConfigFor, uniqueQueueName } from '../helpers/redis-config.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { AUTH_HEADERS } from '../helpers/api-keys.js';

describe('register against a real Redis', () => {
  const fixture = useRedisFixture();
  const { cleanup } = fixture;

  function setup(port = fixture.redis.port) {
    const queueName = uniqueQueueName();
    const client = new Redis(producerRedisOptions(redisConfigFor(port)));
    client.on('error', () => undefined);
    const queue = createLazyQueue({
      client,
      location: { name: queueName, prefix: 'bull' },
      logger: createSilentLogger(),
    });
    const producer = createBullmqProducer({ queue, logger: createSilentLogger() });
    const app = createTestApp({ producer, bodyLimitBytes: 16_384 });
    const inspector = new Queue(queueName, { connection: { host: '127.0.0.1', port } });
    // The test that starts without Redis expects connection errors; they are not a finding.
    inspector.on('error', () => undefined);
    cleanup.push(async () => {
      await queue.close();
      client.disconnect();
      await inspector.obliterate({ force: true }).catch(() => undefined);
      await inspector.close();
    });
    const register = (body: unknown) =>
      app.request('/api/dm-jobqueue/register', {
        method: 'POST',
        headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    return { client, producer, app, inspector, register, queueName };
  }

  /** The API on a Redis of its own, connected, plus an admin client to that Redis. */
  async function setupOnOwnRedis() {
    const own = await startRedisServer();
    cleanup.push(() => own.destroy());
    const api = setup(own.port);
    await waitFor(() => api.client.status === 'ready', { what: 'Redis connection' });
    const admin = new Redis(own.port);
    cleanup.push(() => void admin.disconnect());
    return { ...api, admin };
  }

  it('stores a delayed job with the delay, attempts, backoff and payload the contract names', async () => {
    const { client, inspector, register } = setup();
    await waitFor(() => client.status === 'ready', { what: 'Redis connection' });
    const before = Date.now();
    const response = await register({ message: 'stored', delay_seconds: 90, max_retry: 4 });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { job_id: string; run_at: string };

    const job = await inspector.getJob(body.job_id);
    expect(job).toBeDefined();
    expect(await job?.getState()).toBe('delayed');
    expect(job?.name).toBe('demo:delay_print');
    // The payload, and beside it its lifecycle: the API key that owns it.
    expect(job?.data).toEqual({ message: 'stored', $lifecycle: { owner: expect.any(String) as string } });
    expect(job?.opts).toMatchObject({
      delay: 90_000,
      attempts: 5,
      backoff: { type: 'exponential', delay: 30_000, jitter: 0.2 },
    });
    expect(Date.parse(body.run_at)).toBe((job?.timestamp ?? 0) + 90_000);
    expect(job?.timestamp).toBeGreaterThanOrEqual(before);
  });

  it('stores the default 3-minute delay and 10 retries when the body is empty', async () => {
    const { client, inspector, register } = setup();
    await waitFor(() => client.status === 'ready', { what: 'Redis connection' });
    const body = (await (await register({})).json()) as { job_id: string };
    const job = await inspector.getJob(body.job_id);
    expect(job?.opts).toMatchObject({ delay: 180_000, attempts: 11 });
    expect(job?.data).toEqual({
      message: 'Job executed successfully',
      $lifecycle: { owner: expect.any(String) as string },
    });
  });

  it('reports a Redis that stopped answering (command timeout) once as an outage, and its end', async () => {
    const own = await startRedisServer();
    cleanup.push(() => own.destroy());
    const lines: { level: number; msg: string }[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) },
    );
    const client = new Redis(producerRedisOptions(redisConfigFor(own.port, { command_timeout_ms: 300 })));
    client.on('error', () => undefined);
    const queue = createLazyQueue({ client, location: { name: uniqueQueueName('timeout'), prefix: 'bull' }, logger });
    const outage = createOutageLog(logger, `job-queue Redis at ${own.addr}`);
    const producer = createBullmqProducer({ queue, logger, outage });
    cleanup.push(async () => {
      await queue.close().catch(() => undefined);
      client.disconnect();
    });
    const request = (jobId: string) => ({
      jobId,
      name: 'demo:delay_print' as const,
      data: { message: 'm' },
      delayMs: 60_000,
      attempts: 1,
      backoff: { type: 'fixed' as const, delayMs: 1 },
    });
    await waitFor(() => client.status === 'ready', { what: 'Redis connection' });
    await producer.enqueue(request('a0000000-0000-4000-8000-000000000001'));
    const admin = new Redis(own.port);
    cleanup.push(() => void admin.disconnect());
    await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
    for (const id of ['a0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000003']) {
      await expect(producer.enqueue(request(id))).rejects.toThrow(
        'Job queue service is unavailable: Redis did not answer in time',
      );
    }
    // CLIENT PAUSE ALL holds this PING too: it answers once the pause is over.
    await admin.ping();
    await waitFor(
      async () =>
        producer.enqueue(request('a0000000-0000-4000-8000-000000000004')).then(
          () => true,
          () => false,
        ),
      { what: 'a stored job after the pause' },
    );
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [40, `job-queue Redis at ${own.addr} is not reachable (Command timed out); retrying in the background`],
      [30, `job-queue Redis at ${own.addr} is reachable again`],
    ]);
  });

  it('answers 503 at once while Redis is down and registers again when it is back, without a restart', async () => {
    const own = await startRedisServer();
    cleanup.push(() => own.destroy());
    const { client, register } = setup(own.port);
    await waitFor(() => client.status === 'ready', { what: 'Redis connection' });
    await own.stop('SIGKILL');
    await waitFor(() => client.status !== 'ready', { what: 'the client to notice' });

    const started = performance.now();
    const down = await register({ delay_seconds: 1 });
    const elapsed = performance.now() - started;
    expect(down.status).toBe(503);
    expect(((await down.json()) as { detail: string }).detail).toBe(
      'Job queue service is unavailable: Redis is not connected',
    );
    // "At once": no wait for the connection to come back. A local round trip takes milliseconds; 1 s is
    // generous for 2 shared cores and still far below any reconnect wait.
    expect(elapsed).toBeLessThan(1000);

    await own.start();
    const back = await waitFor(
      async () => {
        const response = await register({ delay_seconds: 1 });
        return response.status === 201 ? response : undefined;
      },
      { what: 'registration to work again' },
    );
    expect(back.status).toBe(201);
  });

  it('answers 503 when the API started while Redis was down, and 201 once Redis appears', async () => {
    const own = await startRedisServer();
    cleanup.push(() => own.destroy());
    await own.stop();
    const { register } = setup(own.port);
    expect((await register({})).status).toBe(503);
    await own.start();
    await waitFor(async () => (await register({})).status === 201, { what: 'registration after Redis appeared' });
  });

  it('answers 503 within the command timeout when Redis accepts connections but does not answer', async () => {
    const own = await startRedisServer();
    cleanup.push(() => own.destroy());
    const { client, register } = setup(own.port);
    await waitFor(() => client.status === 'ready', { what: 'Redis connection' });
    // A registration before the pause so BullMQ has loaded its scripts.
    expect((await register({})).status).toBe(201);
    const admin = new Redis(own.port);
    cleanup.push(() => void admin.disconnect());
    await admin.call('CLIENT', 'PAUSE', '3000', 'ALL');
    const started = performance.now();
    const response = await register({});
    expect(response.status).toBe(503);
    // The 1 s command timeout answered, not the end of the 3 s pause: 1.5 s of slack for 2 shared cores.
    expect(performance.now() - started).toBeLessThan(2500);
    expect(((await response.json()) as { detail: string }).detail).toBe(
      'Job queue service is unavailable: Redis did not answer in time',
    );
  });

  it('stores every one of many concurrent registrations, each 201 a job BullMQ can read', async () => {
    const { register, inspector } = await setupOnOwnRedis();
    const responses = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => register({ message: `job ${i}`, delay_seconds: 60 })),
    );
    expect(responses.map((response) => response.status)).toEqual(responses.map(() => 201));
    const ids = await Promise.all(
      responses.map(async (response) => ((await response.json()) as { job_id: string }).job_id),
    );
    const stored: unknown[] = await Promise.all(
      ids.map(async (id): Promise<unknown> => (await inspector.getJob(id))?.data),
    );
    expect(stored).toEqual(
      ids.map((_, i) => ({ message: `job ${i}`, $lifecycle: { owner: expect.any(String) as string } })),
    );
  });

  it('answers 503 to every request Redis refused, and stores the next one as usual', async () => {
    const { register, queueName, admin } = await setupOnOwnRedis();
    // The queue's meta key of the wrong type: the add script fails before it writes anything.
    await admin.set(`bull:${queueName}:meta`, 'not a hash');

    const refused = await Promise.all(Array.from({ length: 5 }, async () => register({ delay_seconds: 60 })));
    expect(refused.map((response) => response.status)).toEqual([503, 503, 503, 503, 503]);
    expect(((await refused[0]?.json()) as { detail: string }).detail).toBe(
      'Job queue service is unavailable: Redis did not accept the job',
    );
    expect(await admin.zcard(`bull:${queueName}:delayed`)).toBe(0);

    await admin.del(`bull:${queueName}:meta`);
    expect((await register({ delay_seconds: 60 })).status).toBe(201);
    expect(await admin.zcard(`bull:${queueName}:delayed`)).toBe(1);
  });
});
