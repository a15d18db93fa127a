import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/infra/log.js';
import { createJobWorker } from '../../src/infra/queue/bullmq-worker.js';
import { workerRedisOptions } from '../../src/infra/redis/connection.js';
import { createJobRegistry, jobDefinitions } from '../../src/jobs/registry.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { useRedisFixture } from '../helpers/redis-fixture.js';
import { redisConfigFor, uniqueQueueName } from '../helpers/redis-config.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { waitUntilDrained } from '../helpers/queue-drained.js';
import { testFlaky } from '../jobs/test-flaky.js';
import { testSlow } from '../jobs/test-slow.js';

/** The job once it reached `state`, read after it got there (so its counters are final). */
async function settled(queue: Queue, jobId: string, state: 'completed' | 'failed', what: string) {
  await waitFor(async () => (await queue.getJobState(jobId)) === state, { what });
  const job = await queue.getJob(jobId);
  if (!job) throw new Error(`job ${jobId} vanished`);
  return job;
}

const registry = createJobRegistry([...jobDefinitions, testFlaky, testSlow]);
const FIXED_NOW = new Date(2026, 10, 28, 9, 5, 7);

describe('the job worker against a real Redis', () => {
  const fixture = useRedisFixture();
  const { cleanup } = fixture;

  function setup(
    server: RedisServer = fixture.redis,
    retention = { keep_completed: { count: 100, age_seconds: 3600 }, keep_failed: { count: 100, age_seconds: 3600 } },
    handBackAfterMs?: number,
  ) {
    const queueName = uniqueQueueName('worker');
    const printed: string[] = [];
    const worker = createJobWorker({
      location: { name: queueName, prefix: 'bull' },
      connection: workerRedisOptions(redisConfigFor(server.port)),
      redisLabel: server.addr,
      registry,
      jobDeps: { print: (line) => printed.push(line), now: () => FIXED_NOW, logger: createSilentLogger() },
      settings: { concurrency: 4, ...retention },
      logger: createSilentLogger(),
      ...(handBackAfterMs !== undefined && { handBackAfterMs }),
    });
    const queue = new Queue(queueName, {
      connection: { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null },
    });
    queue.on('error', () => undefined);
    const running = worker.run();
    cleanup.push(async () => {
      await worker.close();
      await running.catch(() => undefined);
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    });
    return { worker, queue, printed, running };
  }

  it('prints "[YYYY-MM-DD HH:mm:ss] message" once when demo:delay_print runs', async () => {
    const { queue, printed } = setup();
    const job = await queue.add('demo:delay_print', { message: 'hello from the queue' }, { jobId: 'print-1' });
    await waitFor(async () => (await job.getState()) === 'completed', { what: 'completion' });
    expect(printed).toEqual(['[2026-11-28 09:05:07] hello from the queue']);
  });

  it('retries a failing job with its backoff and then completes it', async () => {
    const { queue, printed } = setup();
    await queue.add(
      'test:flaky',
      { key: 'flaky', fail_times: 2 },
      { jobId: 'flaky-ok', attempts: 4, backoff: { type: 'fixed', delay: 50 } },
    );
    const job = await settled(queue, 'flaky-ok', 'completed', 'completion after retries');
    expect(job.attemptsMade).toBe(3);
    expect(printed).toEqual(['flaky succeeded on attempt 3']);
  });

  it('keeps a job as failed once its retries are used up', async () => {
    const { queue, printed } = setup();
    await queue.add(
      'test:flaky',
      { key: 'never', fail_times: 99 },
      { jobId: 'flaky-bad', attempts: 3, backoff: { type: 'fixed', delay: 20 } },
    );
    const job = await settled(queue, 'flaky-bad', 'failed', 'final failure');
    expect(job.attemptsMade).toBe(3);
    expect(job.failedReason).toBe('planned failure 3 of never');
    expect(printed).toEqual([]);
  });

  it.for([
    [
      'an invalid payload',
      'demo:delay_print',
      { message: 42 },
      'invalid payload for "demo:delay_print": message: must be a string',
    ],
    ['an unknown job type', 'demo:unknown', {}, 'unknown job type "demo:unknown"'],
  ] as const)('fails %s at once, without retries', async ([, name, data, reason]) => {
    const { queue, printed } = setup();
    await queue.add(name, data, { jobId: 'bad', attempts: 5, backoff: { type: 'fixed', delay: 10 } });
    const job = await settled(queue, 'bad', 'failed', 'failure');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toBe(reason);
    expect(printed).toEqual([]);
  });

  it('trims completed jobs to the configured count', async () => {
    const { queue } = setup(fixture.redis, {
      keep_completed: { count: 2, age_seconds: 3600 },
      keep_failed: { count: 2, age_seconds: 3600 },
    });
    for (let i = 0; i < 5; i++) await queue.add('demo:delay_print', { message: `m${i}` });
    await waitFor(
      async () =>
        (await queue.getJobCounts('wait', 'active', 'delayed')).wait === 0 && (await queue.getActiveCount()) === 0,
      { what: 'the queue to drain' },
    );
    await waitFor(async () => (await queue.getCompletedCount()) === 2, { what: 'trimming to 2' });
  });

  it('on close, lets a running job finish and takes no new one', async () => {
    const { worker, queue, printed } = setup();
    await queue.add('test:slow', { ms: 600 }, { jobId: 'slow-1' });
    await waitFor(async () => (await queue.getJobState('slow-1')) === 'active', { what: 'the job to start' });
    const closing = worker.close();
    // Once closing has begun (its blocking fetch is cancelled), new jobs stay for other workers.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await queue.add('demo:delay_print', { message: 'after close' }, { jobId: 'late-1' });
    await closing;
    expect(await queue.getJobState('slow-1')).toBe('completed');
    expect(printed).toEqual(['slept 600 ms']);
    expect(await queue.getJobState('late-1')).toBe('waiting');
  });

  it('on close, hands a job that outlasts handBackAfterMs back to waiting, unfinished and not failed', async () => {
    const retention = {
      keep_completed: { count: 100, age_seconds: 3600 },
      keep_failed: { count: 100, age_seconds: 3600 },
    };
    const { worker, queue, printed } = setup(fixture.redis, retention, 200);
    await queue.add('test:slow', { ms: 100 }, { jobId: 'quick-1' });
    await queue.add('test:slow', { ms: 5000 }, { jobId: 'long-1' });
    await waitFor(async () => (await queue.getActiveCount()) === 2, { what: 'both jobs to start' });
    const started = Date.now();
    await worker.close();
    // The 5 s job was handed back after 200 ms, not waited for: 2 s leaves ample slack for 2 shared cores.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await queue.getJobState('quick-1')).toBe('completed');
    expect(await queue.getJobState('long-1')).toBe('waiting');
    expect(await queue.getActiveCount()).toBe(0);
    expect((await queue.getJob('long-1'))?.failedReason).toBeFalsy();
    expect(printed).toEqual(['slept 100 ms']);
  });

  it('starts without Redis and processes jobs once Redis appears', async () => {
    const own = await startRedisServer();
    cleanup.push(() => own.destroy());
    await own.stop();
    const { queue, printed } = setup(own);
    // Pacing, not proof: the worker runs for a while with no Redis before it appears.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await own.start();
    await queue.add('demo:delay_print', { message: 'after Redis appeared' });
    await waitFor(() => printed.length === 1, { what: 'the job to run' });
    expect(printed).toEqual(['[2026-11-28 09:05:07] after Redis appeared']);
  });

  it('runs a delayed job that came due while Redis was restarting, exactly once', async () => {
    const own = await startRedisServer({ appendonly: true });
    cleanup.push(() => own.destroy());
    const { queue, printed } = setup(own);
    await queue.add('demo:delay_print', { message: 'survived a restart' }, { jobId: 'delayed-1', delay: 1500 });
    await own.stop('SIGTERM');
    // Pacing, not proof: Redis stays down past the job's 1.5 s delay, so it comes due during the outage.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await own.start();
    await waitFor(() => printed.length > 0, { what: 'the delayed job to run after the restart' });
    expect(await (await queue.getJob('delayed-1'))?.getState()).toBe('completed');
    // Once nothing can run any more, the count is final: exactly one run.
    await waitUntilDrained(queue, 'the queue to hold nothing that could run the job again');
    expect(printed).toEqual(['[2026-11-28 09:05:07] survived a restart']);
  });

  it('keeps consuming after Redis restarts', async () => {
    const own = await startRedisServer({ appendonly: true });
    cleanup.push(() => own.destroy());
    const { queue, printed } = setup(own);
    await queue.add('demo:delay_print', { message: 'before' });
    await waitFor(() => printed.length === 1, { what: 'the first job' });
    await own.stop('SIGKILL');
    await own.start();
    await queue.add('demo:delay_print', { message: 'after' });
    await waitFor(() => printed.length === 2, { what: 'the job after the restart' });
    expect(printed.map((line) => line.slice(22))).toEqual(['before', 'after']);
  });
});
