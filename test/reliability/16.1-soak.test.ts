/**
 * 16.1 Soak: steady registrations for RELIABILITY_SOAK_MINUTES (30 by default) with RELIABILITY_SOAK=1;
 * skipped otherwise (the CI suite stays minutes long). Samples memory, descriptors and Redis memory
 * every minute, then counts lost and duplicated jobs once the queue has drained.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { waitUntilDrained } from '../helpers/queue-drained.js';
import { createCleanup } from './lib/cleanup.js';
import { openFds, rssMiB } from './lib/proc-stats.js';
import { pidOf } from './lib/processes.js';
import { registerLoad, statusCounts } from './lib/register-load.js';
import { startScenarioStack } from './lib/scenario-stack.js';
import { recordScenario } from './lib/scenario-report.js';
import { openQueue } from './lib/slow-jobs.js';
import { countBy, round } from './lib/stats.js';
import { waitForJobsPrinted } from './lib/wait-for-jobs.js';
import { allPrinted } from './lib/worker-output.js';

const SOAK = process.env.RELIABILITY_SOAK === '1';
const MINUTES = Number(process.env.RELIABILITY_SOAK_MINUTES ?? 30);
/** Registrations per second, spread over the minute: steady traffic, not a load test. */
const PER_SECOND = 40;
const cleanup = createCleanup();
afterAll(() => cleanup.run());

// Skipped unless RELIABILITY_SOAK=1: 30 minutes by default is longer than `npm run test:reliability` should take;
// CI runs it for 5 (.ci/run).
it.skipIf(!SOAK)(
  `16.1: ${MINUTES}-minute soak: flat memory, descriptors and Redis memory; nothing lost or run twice`,
  {
    timeout: (MINUTES + 5) * 60_000,
  },
  async () => {
    const { redis, env, api, workers, client } = await startScenarioStack(cleanup, { workers: 2, sockets: 4 });
    const queue = openQueue(redis.addr, env.JOBQUEUE_QUEUE_NAME as string);
    cleanup.add(() => queue.close());
    const redisMemoryMiB = () => {
      const info = spawnSync('redis-cli', ['-p', String(redis.port), 'info', 'memory'], { encoding: 'utf8' }).stdout;
      return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? Number.NaN) / 2 ** 20;
    };
    const samples: {
      minute: number;
      api: number;
      apiFds: number;
      workers: number[];
      workerFds: number[];
      redis: number;
    }[] = [];
    const sample = (minute: number) =>
      samples.push({
        minute,
        api: rssMiB(pidOf(api)),
        apiFds: openFds(pidOf(api)),
        workers: workers.map((worker) => rssMiB(pidOf(worker))),
        workerFds: workers.map((worker) => openFds(pidOf(worker))),
        redis: redisMemoryMiB(),
      });
    const jobs: { message: string; id?: string | undefined }[] = [];
    let statuses: Record<string, number> = {};
    sample(0);
    for (let minute = 1; minute <= MINUTES; minute += 1) {
      const minuteEnds = Date.now() + 60_000;
      for (let second = 0; second < 60; second += 1) {
        const secondEnds = Date.now() + 1000;
        const outcomes = await registerLoad({
          client,
          clients: 2,
          total: PER_SECOND,
          body: (i) => ({ message: `soak ${minute} ${second} ${i}`, delay_seconds: i % 3 }),
        });
        for (const outcome of outcomes)
          if (outcome.status === 201)
            jobs.push({ message: `soak ${minute} ${second} ${outcome.index}`, id: outcome.jobId });
        statuses = Object.fromEntries(
          Object.entries(statusCounts(outcomes)).map(([status, n]) => [status, (statuses[status] ?? 0) + n]),
        );
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, secondEnds - Date.now())));
        if (Date.now() >= minuteEnds) break;
      }
      sample(minute);
    }
    await waitForJobsPrinted(jobs, workers, queue, { timeoutMs: 120_000, what: 'every soak job to run' });
    await waitUntilDrained(queue, 'the queue to hold nothing that could run again');
    const printed = countBy(allPrinted(workers).filter((message) => message.startsWith('soak ')));
    const lost = jobs.filter((job) => !printed.has(job.message)).length;
    const twice = [...printed.values()].filter((times) => times > 1).length;
    expect(Object.keys(statuses)).toEqual(['201']);
    expect(lost).toBe(0);
    expect(twice).toBe(0);
    const [first, last] = [samples[1], samples[samples.length - 1]];
    if (!first || !last) throw new Error('no samples');
    expect(last.apiFds - first.apiFds).toBeLessThanOrEqual(3);
    expect(last.api - first.api).toBeLessThan(60);
    const every = (pick: (s: (typeof samples)[number]) => string) =>
      samples
        .filter((s) => s.minute % 5 === 0 || s === last)
        .map((s) => `${s.minute}: ${pick(s)}`)
        .join('; ');
    recordScenario({
      id: '16.1',
      title: `Soak (${MINUTES} minutes)`,
      injected: 'nothing: steady traffic for a long time',
      load: `${PER_SECOND} registrations/s (due now, in 1 s or 2 s) for ${MINUTES} min; 1 API, 2 workers, Redis with AOF`,
      checked: [
        'every registration answered 201',
        'every acknowledged job ran exactly once (waited for a drained queue, then counted)',
        'API descriptors grow ≤ 3 and RSS < 60 MiB from minute 1 to the end',
      ],
      figures: {
        'jobs acknowledged': jobs.length,
        'jobs lost': lost,
        'jobs run twice': twice,
        'API RSS MiB by minute': every((s) => String(round(s.api))),
        'API open fds by minute': every((s) => String(s.apiFds)),
        'worker RSS MiB by minute': every((s) => s.workers.map(round).join(' / ')),
        'worker open fds by minute': every((s) => s.workerFds.join(' / ')),
        'Redis used_memory MiB by minute': every((s) => String(round(s.redis))),
      },
      notes:
        'Redis memory grows with the retained completed jobs (jobqueue retention) until the oldest are removed; the processes should stay flat after warm-up.',
    });
  },
);
