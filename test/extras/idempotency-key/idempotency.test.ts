import type { KnownJob } from '../../../src/jobs/registry.js';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../scripts/lib/wait-for.js';
import type { JobProducer } from '../../../src/jobs/register-job.js';
import { createSilentLogger } from '../../../src/infra/log.js';
import { idempotencyKeyExtension } from '../../../src/extras/idempotency-key/extra.js';
import { createBullmqIdempotencyStore } from '../../../src/extras/idempotency-key/bullmq-idempotency-store.js';
import { createBullmqJobStore, createBullmqProducer } from '../../../src/infra/queue/bullmq-queue.js';
import { createLazyQueue } from '../../../src/infra/queue/bullmq-queue.js';
import { producerRedisOptions } from '../../../src/infra/redis/connection.js';
import { AUTH_HEADERS } from '../../helpers/api-keys.js';
import { useRedisFixture } from '../../helpers/redis-fixture.js';
import { redisConfigFor, uniqueQueueName } from '../../helpers/redis-config.js';
import { createTestApp } from '../../helpers/test-app.js';

const COMMAND_TIMEOUT_MS = 300;

describe('Idempotency-Key against a real Redis', () => {
  const fixture = useRedisFixture();
  const { cleanup } = fixture;

  /** The API's real producer and idempotency store on the fixture's Redis; `beforeEnqueue` runs just before each job is sent. */
  async function setup(beforeEnqueue: () => Promise<void> = async () => undefined) {
    const { port } = fixture.redis;
    const queueName = uniqueQueueName('idempotency');
    const logger = createSilentLogger();
    const client = new Redis(producerRedisOptions(redisConfigFor(port, { command_timeout_ms: COMMAND_TIMEOUT_MS })));
    client.on('error', () => undefined);
    const queue = createLazyQueue({ client, location: { name: queueName, prefix: 'bull' }, logger });
    const real = createBullmqProducer({ queue, logger });
    const producer: JobProducer<KnownJob> = {
      async enqueue(request) {
        await beforeEnqueue();
        return real.enqueue(request);
      },
    };
    const app = createTestApp({
      producer,
      jobStore: createBullmqJobStore({ queue, logger }),
      extensions: [idempotencyKeyExtension(createBullmqIdempotencyStore({ queue, logger }))],
      bodyLimitBytes: 16_384,
    });
    const admin = new Redis(port);
    const inspector = new Queue(queueName, { connection: { host: '127.0.0.1', port } });
    cleanup.push(async () => {
      await admin.call('CLIENT', 'UNPAUSE');
      await queue.close();
      client.disconnect();
      await inspector.obliterate({ force: true }).catch(() => undefined);
      await inspector.close();
      admin.disconnect();
    });
    await waitFor(() => client.status === 'ready', { what: 'Redis connection' });
    const register = (key: string, body: object = { message: 'once', delay_seconds: 60 }) =>
      app.request('/api/dm-jobqueue/register', {
        method: 'POST',
        headers: { ...AUTH_HEADERS, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
      });
    const change = (method: string, id: string, body?: object) =>
      app.request(`/api/dm-jobqueue/jobs/${id}`, {
        method,
        headers: { ...AUTH_HEADERS, ...(body && { 'content-type': 'application/json' }) },
        ...(body && { body: JSON.stringify(body) }),
      });
    const jobCount = async () => Object.values(await inspector.getJobCounts()).reduce((sum, n) => sum + n, 0);
    return { register, change, admin, inspector, jobCount };
  }

  it('replays a stored job with the same id, and refuses a different body with 422', async () => {
    const { register, jobCount } = await setup();
    const first = await register('k-1');
    const again = await register('k-1');
    expect(first.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
    expect(await jobCount()).toBe(1);
  });

  it('replays the original 201 after a reschedule and after a cancel: the key stays bound to its job', async () => {
    const { register, change, jobCount } = await setup();
    const first = await register('k-steered');
    const original = (await first.json()) as { job_id: string };
    expect((await change('PATCH', original.job_id, { delay_seconds: 600 })).status).toBe(200);
    const afterMove = await register('k-steered');
    expect([afterMove.status, afterMove.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    expect(await afterMove.json()).toEqual(original);
    expect((await change('DELETE', original.job_id)).status).toBe(200);
    const afterCancel = await register('k-steered');
    expect(afterCancel.status).toBe(201);
    expect(await afterCancel.json()).toEqual(original);
    expect(await jobCount()).toBe(1);
  });

  it('a key reused after its cancelled job was removed registers a new job, not a cancelled one', async () => {
    const { register, change, inspector } = await setup();
    const first = (await (await register('k-reused')).json()) as { job_id: string };
    expect((await change('DELETE', first.job_id)).status).toBe(200);
    // What the retention does once the job has been kept long enough.
    await inspector.remove(first.job_id);
    const again = await register('k-reused');
    expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([201, null]);
    expect(((await again.json()) as { job_id: string }).job_id).toBe(first.job_id);
    const status = (await (await change('GET', first.job_id)).json()) as { state: string };
    expect(status.state).toBe('delayed');
  });

  it('compares a retried run_at as sent, not the delay derived from it; another run_at with the key is 422', async () => {
    const { register, jobCount } = await setup();
    const body = { message: 'at', run_at: new Date(Date.now() + 60_000).toISOString() };
    const first = await register('k-run-at', body);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const again = await register('k-run-at', body);
    expect([first.status, again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 201, 'true']);
    expect(await again.json()).toEqual(await first.json());
    const moved = await register('k-run-at', { ...body, run_at: new Date(Date.now() + 120_000).toISOString() });
    expect(moved.status).toBe(422);
    expect(await jobCount()).toBe(1);
  });

  it('never stores two jobs when the first attempt timed out after its job was sent (CLIENT PAUSE)', async () => {
    let pauseNext = true;
    const { register, admin, jobCount, inspector } = await setup(async () => {
      // Writes stop just after the claim: the job is sent into a paused Redis and the client gives up on it.
      if (pauseNext) await admin.call('CLIENT', 'PAUSE', '1500', 'WRITE');
      pauseNext = false;
    });
    const timedOut = await register('k-2');
    expect(timedOut.status).toBe(503);
    // Retries while Redis is still paused: never a 201 for a second job.
    const during = await register('k-2');
    expect([409, 503]).toContain(during.status);
    // Redis resumes and runs the job it was sent: the retry finds it and replays it.
    const replayed = await waitFor(
      async () => {
        const response = await register('k-2');
        return response.status === 201 ? response : undefined;
      },
      { what: 'a 201 replay after the pause', timeoutMs: 10_000 },
    );
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    const { job_id } = (await replayed.json()) as { job_id: string };
    // The payload, and beside it the lifecycle: the API key that owns the job.
    expect((await inspector.getJob(job_id))?.data).toEqual({
      message: 'once',
      $lifecycle: { owner: expect.any(String) as string },
    });
    expect(await jobCount()).toBe(1);
  });

  it('stores the job on the retry when the first attempt timed out before anything was sent (CLIENT PAUSE ALL)', async () => {
    const { register, admin, jobCount } = await setup();
    await admin.call('CLIENT', 'PAUSE', '800', 'ALL');
    expect((await register('k-3')).status).toBe(503);
    const stored = await waitFor(
      async () => {
        const response = await register('k-3');
        return response.status === 201 ? response : undefined;
      },
      { what: 'a 201 after the pause', timeoutMs: 10_000 },
    );
    expect(stored.status).toBe(201);
    expect(await jobCount()).toBe(1);
  });
});
