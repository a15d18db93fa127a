import { createTestApp } from '../helpers/test-app.js';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { QueueUnavailableError } from '../../src/jobs/register-job.js';
import { createSilentLogger } from '../../src/infra/log.js';
import { createBullmqProducer } from '../../src/infra/queue/bullmq-queue.js';
import { createBullmqJobStore } from '../../src/infra/queue/bullmq-queue.js';
import { createLazyQueue } from '../../src/infra/queue/bullmq-queue.js';
import { producerRedisOptions } from '../../src/infra/redis/connection.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { useRedisFixture } from '../helpers/redis-fixture.js';
import { redisConfigFor, uniqueQueueName } from '../helpers/redis-config.js';
import { AUTH_HEADERS, TEST_AUTH } from '../helpers/api-keys.js';

interface StatusBody {
  job_id: string;
  job_type: string;
  state: string;
  run_at: string;
  next_run_at: string | null;
  attempts_made: number;
  max_retry: number;
  finished_at: string | null;
  failure_reason: string | null;
}

describe('job status against a real Redis', () => {
  const fixture = useRedisFixture();
  const { cleanup } = fixture;

  /** The API as server.ts wires it: producer and job store on one fail-fast client. */
  async function setup(port = fixture.redis.port, { waitForRedis = true } = {}) {
    const queueName = uniqueQueueName('status');
    const logger = createSilentLogger();
    const client = new Redis(producerRedisOptions(redisConfigFor(port)));
    client.on('error', () => undefined);
    const queue = createLazyQueue({ client, location: { name: queueName, prefix: 'bull' }, logger });
    const producer = createBullmqProducer({ queue, logger });
    const jobStore = createBullmqJobStore({ queue, logger });
    const app = createTestApp({ auth: TEST_AUTH, producer, jobStore, logger, bodyLimitBytes: 16_384 });
    // On the shared server, which stays up: a Queue on a stopped one would wait for it on clean-up.
    const inspector = new Queue(queueName, { connection: { host: '127.0.0.1', port: fixture.redis.port } });
    inspector.on('error', () => undefined);
    cleanup.push(async () => {
      await queue.close();
      client.disconnect();
      await inspector.obliterate({ force: true }).catch(() => undefined);
      await inspector.close();
    });
    if (waitForRedis) await waitFor(() => client.status === 'ready', { what: 'Redis connection' });
    const register = async (body: unknown) => {
      const response = await app.request('/api/dm-jobqueue/register', {
        method: 'POST',
        headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as { job_id: string; run_at: string };
    };
    const status = (id: string) => app.request(`/api/dm-jobqueue/jobs/${id}`, { headers: AUTH_HEADERS });
    const statusBody = async (id: string) => {
      const response = await status(id);
      expect(response.status).toBe(200);
      return (await response.json()) as StatusBody;
    };
    return { queueName, client, app, jobStore, inspector, register, status, statusBody };
  }

  /** A worker that runs `processor` for every job of the queue. */
  function startWorker(queueName: string, processor: () => Promise<void>) {
    const worker = new Worker(queueName, processor, {
      connection: { host: '127.0.0.1', port: fixture.redis.port, maxRetriesPerRequest: null },
    });
    worker.on('error', () => undefined);
    cleanup.push(() => worker.close());
  }

  it('reports a registered job as delayed, due at the run time the register call answered', async () => {
    const { register, statusBody } = await setup();
    const job = await register({ message: 'later', delay_seconds: 120, max_retry: 3 });
    expect(await statusBody(job.job_id)).toEqual({
      job_id: job.job_id,
      job_type: 'demo:delay_print',
      state: 'delayed',
      run_at: job.run_at,
      next_run_at: job.run_at,
      attempts_made: 0,
      max_retry: 3,
      finished_at: null,
      failure_reason: null,
      expires_at: null,
    });
  });

  it('follows a job through waiting to completed, with its finish time', async () => {
    const { queueName, register, statusBody } = await setup();
    const job = await register({ message: 'now', delay_seconds: 0 });
    expect((await statusBody(job.job_id)).state).toBe('waiting');
    startWorker(queueName, async () => undefined);
    const done = await waitFor(
      async () => {
        const body = await statusBody(job.job_id);
        return body.state === 'completed' ? body : undefined;
      },
      { what: 'the job to complete' },
    );
    expect(done).toMatchObject({ attempts_made: 1, next_run_at: null, failure_reason: null });
    expect(Date.parse(done.finished_at ?? '')).toBeGreaterThanOrEqual(Date.parse(job.run_at));
  });

  it('reports a failed run waiting for its retry as delayed, with the reason and the retry time', async () => {
    const { queueName, inspector, statusBody } = await setup();
    // A long fixed backoff keeps the job in the delayed set for the test's lifetime.
    const id = '8a0b7d5e-1c2f-4a3b-9c4d-5e6f7a8b9c0d';
    await inspector.add(
      'demo:delay_print',
      { message: 'x' },
      { jobId: id, attempts: 3, backoff: { type: 'fixed', delay: 60_000 } },
    );
    const failedAt = Date.now();
    startWorker(queueName, async () => Promise.reject(new Error('printer on fire')));
    const body = await waitFor(
      async () => {
        const current = await statusBody(id);
        // Polled while the run ends: the state and the counters must come from the same moment.
        return current.attempts_made === 1 ? current : undefined;
      },
      { what: 'the first run to fail' },
    );
    expect(body).toMatchObject({
      state: 'delayed',
      max_retry: 2,
      failure_reason: 'printer on fire',
      finished_at: null,
    });
    const nextRun = Date.parse(body.next_run_at ?? '');
    expect(nextRun).toBeGreaterThanOrEqual(failedAt + 60_000);
    expect(nextRun).toBeLessThan(Date.now() + 60_000 + 1000);
    expect(Date.parse(body.run_at)).toBeLessThan(nextRun);
  });

  it('reports a job out of retries as failed, with its reason and finish time', async () => {
    const { queueName, inspector, statusBody } = await setup();
    const id = '0f1e2d3c-4b5a-4678-9abc-def012345678';
    await inspector.add('demo:delay_print', { message: 'x' }, { jobId: id, attempts: 1 });
    startWorker(queueName, async () => Promise.reject(new Error('no paper')));
    const body = await waitFor(
      async () => {
        const current = await statusBody(id);
        return current.state === 'failed' ? current : undefined;
      },
      { what: 'the job to fail' },
    );
    expect(body).toMatchObject({ attempts_made: 1, max_retry: 0, failure_reason: 'no paper', next_run_at: null });
    expect(body.finished_at).not.toBeNull();
  });

  it('answers 404 for a job id the queue does not know', async () => {
    const { status } = await setup();
    const response = await status('11111111-2222-4333-8444-555555555555');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('answers 404 for a job another client added to the queue, without claiming a reason it does not know', async () => {
    const { inspector, status } = await setup();
    // BullMQ's own counter id, as any other producer on the same queue gets.
    const foreign = await inspector.add('someone-else', { x: 1 }, { delay: 60_000 });
    expect(await inspector.getJob(foreign.id ?? '')).toBeDefined();
    const response = await status(foreign.id ?? '');
    expect(response.status).toBe(404);
    const { detail } = (await response.json()) as { detail: string };
    expect(detail).toBe(`No job with id "${foreign.id ?? ''}" (job ids are UUIDs)`);
    expect(detail).not.toContain('retention');
  });

  it('answers 503 at once while Redis is down, and reads again when it is back', async () => {
    const own = await startRedisServer();
    cleanup.push(() => own.destroy());
    const { client, register, status, jobStore } = await setup(own.port);
    const job = await register({ delay_seconds: 60 });
    await own.stop('SIGKILL');
    await waitFor(() => client.status !== 'ready', { what: 'the client to notice' });

    await expect(jobStore.read(job.job_id)).rejects.toBeInstanceOf(QueueUnavailableError);
    const down = await status(job.job_id);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    expect(((await down.json()) as { detail: string }).detail).toBe(
      'Job queue service is unavailable: Redis is not connected',
    );

    await own.start();
    // No persistence on this server: the job is gone, but the endpoint answers again.
    await waitFor(async () => (await status(job.job_id)).status === 404, { what: 'reads to work again' });
  });

  it('answers 503 when the API started while Redis was down', async () => {
    const own = await startRedisServer();
    cleanup.push(() => own.destroy());
    await own.stop();
    const { status } = await setup(own.port, { waitForRedis: false });
    expect((await status('11111111-2222-4333-8444-555555555555')).status).toBe(503);
  });
});
