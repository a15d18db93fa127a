import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../scripts/lib/wait-for.js';
import { createApi } from '../../../src/server.js';
import { configWithRateLimit } from '../../helpers/test-config.js';
import { createTestApp } from '../../helpers/test-app.js';
import { createSilentLogger } from '../../../src/infra/log.js';
import { createBullmqProducer } from '../../../src/infra/queue/bullmq-queue.js';
import { createLazyQueue } from '../../../src/infra/queue/bullmq-queue.js';
import { createReplicaAck } from '../../../src/extras/replica-ack/replica-ack.js';
import { producerRedisOptions } from '../../../src/infra/redis/connection.js';
import { AUTH_HEADERS, TEST_API_SECRET } from '../../helpers/api-keys.js';
import { redisConfigFor, uniqueQueueName } from '../../helpers/redis-config.js';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.js';

// Generous: on a loaded machine (the full suite on 2 cores) an in-sync replica may take a while to confirm.
const ACK_TIMEOUT_MS = 1000;

describe('ack_replicas: 201 only once WAIT confirms a replica holds the job', () => {
  const cleanup: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function setup() {
    const master = await startRedisServer();
    cleanup.push(() => master.destroy());
    const replica = await startRedisServer({ extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] });
    cleanup.push(() => replica.destroy());
    const admin = new Redis(master.port);
    cleanup.push(() => void admin.disconnect());
    await waitFor(async () => (await admin.info('replication')).includes('state=online'), {
      what: 'the replica to sync',
    });
    const queueName = uniqueQueueName('ack');
    const client = new Redis(producerRedisOptions(redisConfigFor(master.port, { command_timeout_ms: 3000 })));
    client.on('error', () => undefined);
    const queue = createLazyQueue({
      client,
      location: { name: queueName, prefix: 'bull' },
      logger: createSilentLogger(),
    });
    cleanup.push(async () => {
      await queue.close();
      client.disconnect();
    });
    const producer = createBullmqProducer({
      queue,
      logger: createSilentLogger(),
      afterWrite: createReplicaAck({
        client,
        replicas: 1,
        timeoutMs: ACK_TIMEOUT_MS,
        location: queue.location,
        logger: createSilentLogger(),
      }).afterWrite,
    });
    const app = createTestApp({ producer, bodyLimitBytes: 16_384 });
    await waitFor(() => client.status === 'ready', { what: 'Redis connection' });
    const register = async () => {
      const started = performance.now();
      const response = await app.request('/api/dm-jobqueue/register', {
        method: 'POST',
        headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'acked', delay_seconds: 60 }),
      });
      return {
        response,
        ms: performance.now() - started,
        body: (await response.json()) as { job_id?: string; detail?: string },
      };
    };
    /** A Queue reading `server` (the replica answers reads). */
    const reader = (server: RedisServer) => {
      const inspector = new Queue(queueName, {
        connection: { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null },
      });
      cleanup.push(() => inspector.close());
      return inspector;
    };
    /**
     * SIGSTOPs the replica until `resume()` (or the test's end): its connection stays open, so a WAIT on a
     * connection that wrote nothing would still count it.
     */
    const freeze = async () => {
      const probe = new Redis(replica.port);
      const replicaPid = Number(/process_id:(\d+)/.exec(await probe.info('server'))?.[1]);
      probe.disconnect();
      process.kill(replicaPid, 'SIGSTOP');
      let resumed = false;
      const resume = () => {
        if (resumed) return;
        resumed = true;
        process.kill(replicaPid, 'SIGCONT');
      };
      cleanup.push(resume);
      return resume;
    };
    /** The whole API (createApi) on this master with replica_ack.replicas 1. */
    const apiApp = async (queuePrefix: string) => {
      const config = configWithRateLimit({ enabled: false });
      config.cache.redis.jobqueue = redisConfigFor(master.port, { command_timeout_ms: 3000 });
      config.extras = { ...config.extras, 'replica-ack': { replicas: 1, timeout_ms: ACK_TIMEOUT_MS } };
      config.app.jobqueue.queue_name = uniqueQueueName(queuePrefix);
      config.secrets.apiSecretKey = TEST_API_SECRET;
      const api = createApi({ config, logger: createSilentLogger() });
      cleanup.push(() => api.close());
      await api.firstConnection;
      return api;
    };
    return { master, replica, register, reader, freeze, apiApp };
  }

  it('answers 201 when the replica is in sync, and the replica holds the job', async () => {
    const { replica, register, reader } = await setup();
    const { response, body } = await register();
    expect(response.status).toBe(201);
    // WAIT returned 1, so the replica has it already: no polling.
    expect(await reader(replica).getJob(body.job_id ?? '')).toBeDefined();
  });

  it('waits for the write itself: a replica that is connected but frozen means 503 after the ack timeout, and the job may be on the master', async () => {
    const { master, register, reader, freeze } = await setup();
    const resume = await freeze();
    const frozen = await register();
    expect(frozen.response.status).toBe(503);
    expect(frozen.body.detail).toMatch(
      /not confirmed on enough replicas \(0 of 1 replica\(s\) confirmed the job within 1000 ms\); it may still run: retry with the same Idempotency-Key/,
    );
    expect(frozen.ms).toBeGreaterThanOrEqual(ACK_TIMEOUT_MS - 5);
    expect((await reader(master).getJobCounts('delayed')).delayed).toBe(1);
    resume();
    await waitFor(async () => (await register()).response.status === 201, {
      timeoutMs: 15_000,
      intervalMs: 200,
      what: 'a 201 once the replica runs again',
    });
  });

  it('answers 503 while the replica is stopped and 201 once it runs again', async () => {
    const { replica, register } = await setup();
    await replica.stop();
    expect((await register()).response.status).toBe(503);
    await replica.start();
    await waitFor(async () => (await register()).response.status === 201, {
      timeoutMs: 15_000,
      intervalMs: 200,
      what: 'a 201 once the replica is back',
    });
  });

  it("the API's status reads do not wait behind a registration's WAIT (the producer writes on its own connection)", async () => {
    const { master, freeze, apiApp } = await setup();
    const api = await apiApp('ack-api');
    const request = (path: string, init: RequestInit = {}) =>
      api.app.request(path, { ...init, headers: { ...AUTH_HEADERS, 'content-type': 'application/json' } });
    const registered = await request('/api/dm-jobqueue/register', {
      method: 'POST',
      body: JSON.stringify({ delay_seconds: 60 }),
    });
    expect(registered.status).toBe(201);
    const { job_id: jobId } = (await registered.json()) as { job_id: string };

    await freeze();
    const waiting = request('/api/dm-jobqueue/register', {
      method: 'POST',
      body: JSON.stringify({ delay_seconds: 60 }),
    });
    // The read must start while the registration is inside its WAIT: the master lists a client blocked in it.
    const admin = new Redis(master.port);
    cleanup.push(() => void admin.disconnect());
    await waitFor(
      async () =>
        String(await admin.call('CLIENT', 'LIST'))
          .split('\n')
          .some((client) => /\bflags=\w*b/.test(client) && /\bcmd=wait\b/.test(client)),
      { what: "the registration's WAIT to be in flight" },
    );
    const started = performance.now();
    const status = await request(`/api/dm-jobqueue/jobs/${jobId}`);
    const statusMs = performance.now() - started;
    expect(status.status).toBe(200);
    // The registration is still waiting for the frozen replica; the read did not wait for it.
    expect(statusMs).toBeLessThan(ACK_TIMEOUT_MS / 2);
    expect((await waiting).status).toBe(503);
  });

  it('an Idempotency-Key retry of a job that was not confirmed answers 503 until a replica holds it, then replays the 201', async () => {
    const { freeze, apiApp } = await setup();
    const api = await apiApp('ack-idem');
    const register = () =>
      api.app.request('/api/dm-jobqueue/register', {
        method: 'POST',
        headers: { ...AUTH_HEADERS, 'content-type': 'application/json', 'idempotency-key': 'order-42' },
        body: JSON.stringify({ delay_seconds: 60 }),
      });

    const resume = await freeze();
    expect((await register()).status).toBe(503);
    // The job is on the master now; a replay must not call it registered while no replica holds it.
    const retried = await register();
    expect(retried.status).toBe(503);
    expect(((await retried.json()) as { detail: string }).detail).toMatch(
      /stored but not yet confirmed on enough replicas \(0 of 1/,
    );
    resume();
    const replayed = await waitFor(
      async () => {
        const response = await register();
        return response.status === 201 ? response : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200, what: 'the replayed 201 once the replica runs again' },
    );
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
  });
});
