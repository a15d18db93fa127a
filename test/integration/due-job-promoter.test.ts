import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/infra/log/logger.js';
import { firstRunDueAt } from '../../src/infra/queue/job-queue.js';
import { createJobWorker } from '../../src/infra/queue/job-worker.js';
import { workerRedisOptions } from '../../src/infra/redis/connection-options.js';
import { createJobRegistry, jobDefinitions } from '../../src/jobs/registry.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { useRedisFixture } from '../helpers/redis-fixture.js';
import { redisConfigFor, uniqueQueueName } from '../helpers/redis-config.js';

const DELAYS_MS = [300, 450, 600];

describe('due-job promoter: delayed jobs start on time whatever Redis hz is', () => {
  // Redis ends a blocking wait only on its clock tick; at hz 1 a plain BullMQ
  // worker starts a delayed job anywhere up to a second late.
  const fixture = useRedisFixture({ extraArgs: ['--hz', '1'] });

  function setup({
    punctual,
    prefix = 'bull',
    location = { name: uniqueQueueName('punctual'), prefix },
  }: {
    punctual: boolean;
    prefix?: string;
    location?: { name: string; prefix: string };
  }) {
    const printed: string[] = [];
    const worker = createJobWorker({
      location,
      connection: workerRedisOptions(redisConfigFor(fixture.redis.port)),
      redisLabel: fixture.redis.addr,
      registry: createJobRegistry(jobDefinitions),
      jobDeps: { print: (line) => printed.push(line), now: () => new Date(), logger: createSilentLogger() },
      concurrency: 2,
      retention: { keep_completed: { count: 100, age_seconds: 3600 }, keep_failed: { count: 100, age_seconds: 3600 } },
      logger: createSilentLogger(),
      punctual,
    });
    const queue = new Queue(location.name, {
      connection: { host: '127.0.0.1', port: fixture.redis.port },
      prefix: location.prefix,
    });
    const running = worker.run();
    fixture.cleanup.push(async () => {
      await worker.close();
      await running.catch(() => undefined);
      await queue.obliterate({ force: true });
      await queue.close();
    });
    return { queue, printed };
  }

  /** Lateness of jobs registered one at a time, each due while the worker is idle and blocked. */
  async function lateness({ queue, printed }: ReturnType<typeof setup>): Promise<number[]> {
    // Let the worker reach its blocking wait first.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const late: number[] = [];
    for (const [index, delay] of DELAYS_MS.entries()) {
      const added = await queue.add('demo:delay_print', { message: `due in ${delay} ms` }, { delay });
      await waitFor(() => printed.length === index + 1, { what: 'the job to run', timeoutMs: 5_000 });
      const job = await waitFor(async () => ((await added.isCompleted()) ? queue.getJob(added.id ?? '') : undefined), {
        what: 'completion',
      });
      late.push((job.processedOn ?? 0) - firstRunDueAt(job));
    }
    return late;
  }

  it('contract: without the promoter BullMQ starts a job on the Redis tick (this Redis: once a second)', async () => {
    // If a BullMQ upgrade wakes the worker at the due time by itself, this fails: the promoter may then go.
    const late = await lateness(setup({ punctual: false }));
    expect(Math.max(...late)).toBeGreaterThan(250);
  });

  it('with the promoter the blocked worker starts each job at its due time, never early', async () => {
    const late = await lateness(setup({ punctual: true }));
    // Far below the up-to-1000 ms of a tick; generous for a loaded CI machine.
    for (const ms of late) {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(250);
    }
  });

  it('works the same under a hash-tag prefix, as Redis Cluster needs', async () => {
    const late = await lateness(setup({ punctual: true, prefix: '{dm-jobqueue}' }));
    for (const ms of late) expect(ms).toBeLessThan(250);
  });

  it('never starts a job early when its due time moved later (changeDelay, or a retry)', async () => {
    const context = setup({ punctual: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const job = await context.queue.add('demo:delay_print', { message: 'moved later' }, { delay: 300 });
    // The promoter has heard of the 300 ms due time; the new one replaces it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const movedAt = Date.now();
    await job.changeDelay(1500);
    await waitFor(() => context.printed.length === 1, { what: 'the job to run', timeoutMs: 5_000 });
    const done = await context.queue.getJob(job.id ?? '');
    expect((done?.processedOn ?? 0) - movedAt).toBeGreaterThanOrEqual(1500);
  });

  it('starts jobs delayed before the worker started at their due time, and a job moved later not before its new one', async () => {
    const location = { name: uniqueQueueName('punctual'), prefix: 'bull' };
    const before = new Queue(location.name, {
      connection: { host: '127.0.0.1', port: fixture.redis.port },
      prefix: location.prefix,
    });
    const onTime = await Promise.all(
      [700, 1000, 1300].map((delay) => before.add('demo:delay_print', { message: `due in ${delay} ms` }, { delay })),
    );
    const moved = await before.add('demo:delay_print', { message: 'moved later' }, { delay: 300 });
    // Long enough that `timestamp + delay` (add time + 1500) would start it visibly early.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const movedAt = Date.now();
    // Its stream now holds two `delayed` events for this job; the later one must win.
    await moved.changeDelay(1500);
    await before.close();

    const context = setup({ punctual: true, location });
    await waitFor(() => context.printed.length === 4, { what: 'all four jobs to run', timeoutMs: 5_000 });
    for (const added of onTime) {
      const job = await context.queue.getJob(added.id ?? '');
      // On the Redis tick alone (once a second here) at most one of these three is this punctual.
      const late = (job?.processedOn ?? 0) - firstRunDueAt(job!);
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThan(250);
    }
    const movedJob = await context.queue.getJob(moved.id ?? '');
    expect((movedJob?.processedOn ?? 0) - movedAt).toBeGreaterThanOrEqual(1500);
  });

  it('still starts jobs on time after obliterate(), which pauses the queue and deletes it without a resumed event', async () => {
    const context = setup({ punctual: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await context.queue.obliterate({ force: true });
    const late = await lateness(context);
    for (const ms of late) expect(ms).toBeLessThan(250);
  });

  it('runs nothing while the queue is paused, and the job after resume', async () => {
    const context = setup({ punctual: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await context.queue.pause();
    const job = await context.queue.add('demo:delay_print', { message: 'paused' }, { delay: 200 });
    await new Promise((resolve) => setTimeout(resolve, 700));
    // BullMQ itself may move a due job to the (paused) wait list; it must not run.
    expect(['delayed', 'waiting']).toContain(await job.getState());
    expect(context.printed).toEqual([]);
    await context.queue.resume();
    await waitFor(() => context.printed.length === 1, { what: 'the job to run after resume', timeoutMs: 5_000 });
  });
});
