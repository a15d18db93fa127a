import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { createSilentLogger } from '../../src/infra/log.js';
import { createBullmqJobStore, createBullmqProducer, createLazyQueue } from '../../src/infra/queue/bullmq-queue.js';
import { createJobWorker, type JobEvents } from '../../src/infra/queue/bullmq-worker.js';
import { producerRedisOptions, workerRedisOptions } from '../../src/infra/redis/connection.js';
import { defineJob, type AnyJob } from '../../src/jobs/job.js';
import { registerJob } from '../../src/jobs/register-job.js';
import { createJobRegistry, jobDefinitions } from '../../src/jobs/registry.js';
import { AUTH_HEADERS } from '../helpers/api-keys.js';
import { waitUntilDrained } from '../helpers/queue-drained.js';
import { redisConfigFor, uniqueQueueName } from '../helpers/redis-config.js';
import { useRedisFixture } from '../helpers/redis-fixture.js';
import { createTestApp } from '../helpers/test-app.js';
import { testSlow } from '../jobs/test-slow.js';

/** Fails its first run, then waits `backoff` for the retry: a job waiting for a retry. */
const testRetryLater = defineJob({
  type: 'test:retry_later',
  payloadSchema: v.strictObject({ key: v.string() }),
  delaySeconds: 0,
  maxRetry: 2,
  backoff: { type: 'fixed', delayMs: 1500 },
  createProcessor: ({ print }) =>
    async function failOnceThenPrint({ key }, { attempt }) {
      print(`${key} attempt ${attempt}`);
      if (attempt === 1) throw new Error(`planned failure of ${key}`);
    },
});

const registry = createJobRegistry([...jobDefinitions, testSlow, testRetryLater]);

interface Status {
  state: string;
  next_run_at: string | null;
  finished_at: string | null;
  attempts_made: number;
}

describe('cancel, reschedule and expiry against a real Redis and worker', () => {
  const fixture = useRedisFixture();
  const { cleanup } = fixture;

  async function setup({ startWorker = true, concurrency = 10 } = {}) {
    const queueName = uniqueQueueName('lifecycle');
    const logger = createSilentLogger();
    const client = new Redis(producerRedisOptions(redisConfigFor(fixture.redis.port)));
    client.on('error', () => undefined);
    const queue = createLazyQueue<AnyJob>({ client, location: { name: queueName, prefix: 'bull' }, logger });
    const producer = createBullmqProducer<AnyJob>({ queue, logger });
    const jobStore = createBullmqJobStore({ queue: queue as never, logger });
    const app = createTestApp({ producer, jobStore, bodyLimitBytes: 16_384 });
    const inspector = new Queue(queueName, { connection: { host: '127.0.0.1', port: fixture.redis.port } });
    inspector.on('error', () => undefined);
    const printed: string[] = [];
    const ended: string[] = [];
    const events: JobEvents = {
      completed: () => undefined,
      failed: (jobType, willRetry) => ended.push(`failed ${String(willRetry)}`),
      stalled: () => undefined,
      cancelled: () => ended.push('cancelled'),
      expired: () => ended.push('expired'),
    };
    const worker = createJobWorker({
      location: { name: queueName, prefix: 'bull' },
      connection: workerRedisOptions(redisConfigFor(fixture.redis.port)),
      redisLabel: fixture.redis.addr,
      registry,
      jobDeps: { print: (line) => printed.push(line), now: () => new Date(), logger },
      settings: {
        concurrency,
        keep_completed: { count: 5000, age_seconds: 3600 },
        keep_failed: { count: 5000, age_seconds: 3600 },
      },
      logger,
      events,
    });
    let running: Promise<void> | undefined;
    const start = () => {
      running = worker.run();
    };
    if (startWorker) start();
    cleanup.push(async () => {
      await worker.close();
      await running?.catch(() => undefined);
      await queue.close();
      client.disconnect();
      await inspector.obliterate({ force: true }).catch(() => undefined);
      await inspector.close();
    });
    await waitFor(() => client.status === 'ready', { what: 'Redis connection' });
    const request = (method: string, path: string, body?: unknown) =>
      app.request(`/api/dm-jobqueue${path}`, {
        method,
        headers: { ...AUTH_HEADERS, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const register = async (body: object) => {
      const response = await request('POST', '/register', body);
      expect(response.status).toBe(201);
      return ((await response.json()) as { job_id: string }).job_id;
    };
    const status = async (id: string) => (await (await request('GET', `/jobs/${id}`)).json()) as Status;
    return { queueName, producer, inspector, printed, ended, start, request, register, status };
  }

  it('a cancelled delayed job never runs: 200 cancelled, the same again, and GET shows it with finished_at', async () => {
    const { inspector, printed, ended, request, register, status } = await setup();
    const id = await register({ message: 'never', delay_seconds: 60 });
    const cancel = await request('DELETE', `/jobs/${id}`);
    expect(cancel.status).toBe(200);
    expect(((await cancel.json()) as Status).state).toBe('cancelled');
    await waitUntilDrained(inspector, 'the cancelled job to be ended');
    expect(printed).toEqual([]);
    expect(ended).toEqual(['cancelled']);
    expect(await status(id)).toMatchObject({
      state: 'cancelled',
      finished_at: expect.any(String) as string,
      attempts_made: 0,
    });
    expect((await request('DELETE', `/jobs/${id}`)).status).toBe(200);
    const reschedule = await request('PATCH', `/jobs/${id}`, { delay_seconds: 5 });
    expect([reschedule.status, ((await reschedule.json()) as { detail: string }).detail]).toEqual([
      409,
      expect.stringMatching(/it is cancelled/) as string,
    ]);
  });

  it('a rescheduled job runs once at its new time; then it cannot be moved or cancelled (completed)', async () => {
    const { inspector, printed, request, register, status } = await setup();
    const id = await register({ message: 'moved', delay_seconds: 60 });
    const before = Date.now();
    const moved = await request('PATCH', `/jobs/${id}`, { delay_seconds: 1 });
    expect(moved.status).toBe(200);
    const nextRunAt = Date.parse(((await moved.json()) as Status).next_run_at ?? '');
    expect(nextRunAt).toBeGreaterThanOrEqual(before + 1000);
    expect(nextRunAt).toBeLessThan(Date.now() + 1000 + 50);
    await waitUntilDrained(inspector, 'the rescheduled job to run');
    expect(printed.filter((line) => line.endsWith('moved'))).toHaveLength(1);
    const job = await inspector.getJob(id);
    expect(job?.processedOn).toBeGreaterThanOrEqual(nextRunAt);
    expect((await status(id)).state).toBe('completed');
    for (const [method, body] of [
      ['PATCH', { delay_seconds: 5 }],
      ['DELETE', undefined],
    ] as const) {
      const refused = await request(method, `/jobs/${id}`, body);
      expect([refused.status, ((await refused.json()) as { detail: string }).detail]).toEqual([
        409,
        expect.stringMatching(/it is completed/) as string,
      ]);
    }
  });

  it('a reschedule to a run_at in the past moves the job to now, not to the past', async () => {
    const { inspector, printed, request, register } = await setup();
    const id = await register({ message: 'now please', delay_seconds: 60 });
    const before = Date.now();
    const moved = await request('PATCH', `/jobs/${id}`, { run_at: '2020-01-01T00:00:00Z' });
    expect(moved.status).toBe(200);
    expect(Date.parse(((await moved.json()) as { run_at: string }).run_at)).toBeGreaterThanOrEqual(before);
    await waitUntilDrained(inspector, 'the moved job to run');
    expect(printed.filter((line) => line.endsWith('now please'))).toHaveLength(1);
  });

  it('a job past expires_at is not run: expired, not failed, and so is a retry that would start after it', async () => {
    const { inspector, printed, ended, start, producer, request, register, status } = await setup({
      startWorker: false,
    });
    const soon = (ms: number) => new Date(Date.now() + ms).toISOString();
    const first = await register({ message: 'too late', run_at: soon(200), expires_at: soon(400) });
    // The retry waits 1.5 s, past its expiry 1 s after registration.
    const retried = await registerJob({ producer }, testRetryLater, {
      payload: { key: 'retry' },
      expiresAt: new Date(Date.now() + 1000),
    });
    await waitFor(async () => (await status(first)).state === 'expired', { what: 'the first to expire' });
    start();
    await waitUntilDrained(inspector, 'both jobs to end');
    expect(printed).toEqual(['retry attempt 1']);
    expect(ended.sort()).toEqual(['expired', 'expired', 'failed true']);
    expect(await status(first)).toMatchObject({ state: 'expired' });
    expect((await status(retried.jobId)).state).toBe('expired');
    expect(await inspector.getFailedCount()).toBe(0);
    expect((await request('DELETE', `/jobs/${first}`)).status).toBe(409);
  });

  it('a job waiting for a retry can be cancelled: it ran once and never again', async () => {
    const { inspector, printed, producer, request, status } = await setup();
    const { jobId } = await registerJob({ producer }, testRetryLater, { payload: { key: 'waits' } });
    await waitFor(async () => (await status(jobId)).attempts_made === 1, { what: 'the first attempt to fail' });
    const cancel = await request('DELETE', `/jobs/${jobId}`);
    expect(cancel.status).toBe(200);
    await waitUntilDrained(inspector, 'the cancelled retry to end');
    expect(printed).toEqual(['waits attempt 1']);
    expect(await status(jobId)).toMatchObject({ state: 'cancelled', attempts_made: 1 });
  });

  it('a running job cannot be cancelled: 409 "it is running", and it runs to its end', async () => {
    const { inspector, printed, producer, request, status } = await setup();
    const { jobId } = await registerJob({ producer }, testSlow, { payload: { ms: 1500 } });
    await waitFor(async () => (await status(jobId)).state === 'active', { what: 'the slow job to start' });
    const cancel = await request('DELETE', `/jobs/${jobId}`);
    expect([cancel.status, ((await cancel.json()) as { detail: string }).detail]).toEqual([
      409,
      expect.stringMatching(/it is running/) as string,
    ]);
    await waitUntilDrained(inspector, 'the slow job to end');
    expect(printed).toEqual(['slept 1500 ms']);
  });

  /** 500 jobs due at the same moment, and a request per job sent around it, while the worker starts them. */
  async function race(method: 'DELETE' | 'PATCH') {
    const { inspector, printed, request, register } = await setup({ concurrency: 50 });
    const dueAt = Date.now() + 1500;
    const ids = await Promise.all(
      Array.from({ length: 500 }, (_, i) => register({ message: `job ${i}`, run_at: new Date(dueAt).toISOString() })),
    );
    const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
    // Spread over half a second around the due time, so some arrive before the worker and some after it.
    const answers = await Promise.all(
      ids.map(async (id, index) => {
        await sleepUntil(dueAt - 250 + index);
        const sentAt = Date.now();
        const response = await request(method, `/jobs/${id}`, method === 'PATCH' ? { delay_seconds: 2 } : undefined);
        return { id, status: response.status, sentAt };
      }),
    );
    await waitUntilDrained(inspector, `the raced jobs to end`, 60_000);
    const runs = new Map<string, number>();
    // demo:delay_print prints "[time] message".
    for (const line of printed) {
      const message = line.replace(/^\[[^\]]*\] /, '');
      runs.set(message, (runs.get(message) ?? 0) + 1);
    }
    const ranOf = (index: number) => runs.get(`job ${index}`) ?? 0;
    return { inspector, ids, answers, ranOf, runs };
  }

  it('500 cancels racing the worker: each job is either cancelled and never ran, or refused and ran once', async () => {
    const { answers, ranOf, runs } = await race('DELETE');
    const cancelled = answers.filter((answer) => answer.status === 200).length;
    const refused = answers.filter((answer) => answer.status === 409).length;
    expect(cancelled + refused).toBe(500);
    answers.forEach((answer, index) => expect(ranOf(index), answer.id).toBe(answer.status === 200 ? 0 : 1));
    expect([...runs.values()].filter((count) => count > 1)).toEqual([]);
    console.log(`[figures] cancel race: 500 jobs, ${cancelled} cancelled (never ran), ${refused} refused (ran once)`);
  }, 120_000);

  it('500 reschedules racing the worker: each job ran once, the moved ones no earlier than their new time', async () => {
    const { inspector, answers, ranOf, runs } = await race('PATCH');
    const moved = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status === 409).length;
    expect(moved.length + refused).toBe(500);
    answers.forEach((answer, index) => expect(ranOf(index), answer.id).toBe(1));
    expect([...runs.values()].filter((count) => count > 1)).toEqual([]);
    for (const answer of moved) {
      const job = await inspector.getJob(answer.id);
      expect(job?.processedOn).toBeGreaterThanOrEqual(answer.sentAt + 2000);
    }
    console.log(`[figures] reschedule race: 500 jobs, ${moved.length} moved (ran at the new time), ${refused} refused`);
  }, 120_000);
});
