import { afterAll, expect, it } from 'vitest';
import { waitUntilDrained } from '../helpers/queue-drained.js';
import { createCleanup } from './lib/cleanup.js';
import { startScenarioStack } from './lib/scenario-stack.js';
import { waitForJobsPrinted } from './lib/wait-for-jobs.js';
import { openQueue } from './lib/slow-jobs.js';
import { registerLoad, statusCounts } from './lib/register-load.js';
import { recordScenario } from './lib/scenario-report.js';
import { countBy, percentile, round } from './lib/stats.js';
import { allPrinted, completedJobIds } from './lib/worker-output.js';

const SOAK = process.env.RELIABILITY_SOAK === '1';
const TOTAL = SOAK ? 100_000 : 20_000;
const CLIENTS = 32;
const WORKERS = 3;
const cleanup = createCleanup();
afterAll(() => cleanup.run());

/** Half run now, the rest 1–3 s later: both the wait list and the delayed set are exercised. */
const delayOf = (index: number) => (index % 2 === 0 ? 0 : 1 + (index % 3));
const messageOf = (index: number) => `rel14.1 ${index}`;

it('14.1: every acknowledged registration under load runs exactly once', { timeout: 420_000 }, async () => {
  const { redis, env, workers, client } = await startScenarioStack(cleanup, { workers: WORKERS, sockets: CLIENTS });
  const queue = openQueue(redis.addr, env.JOBQUEUE_QUEUE_NAME as string);
  cleanup.add(() => queue.close());

  const started = performance.now();
  const outcomes = await registerLoad({
    client,
    clients: CLIENTS,
    total: TOTAL,
    body: (i) => ({ message: messageOf(i), delay_seconds: delayOf(i) }),
  });
  const loadSeconds = (performance.now() - started) / 1000;
  const acknowledged = outcomes.filter((outcome) => outcome.status === 201);
  expect(statusCounts(outcomes)).toEqual({ 201: TOTAL });

  // Every job is printed; once the queue holds nothing that could run, no second run can follow.
  const expected = new Set(acknowledged.map((outcome) => messageOf(outcome.index)));
  const jobs = acknowledged.map((outcome) => ({ message: messageOf(outcome.index), id: outcome.jobId }));
  await waitForJobsPrinted(jobs, workers, queue, {
    timeoutMs: 180_000,
    what: 'every job to be printed',
  });
  const drained = (performance.now() - started) / 1000;
  await waitUntilDrained(queue, 'the queue to hold nothing that could run a job again');

  const printed = countBy(allPrinted(workers));
  const duplicates = [...printed].filter(([, count]) => count > 1);
  const strangers = [...printed.keys()].filter((message) => !expected.has(message));
  expect(duplicates).toEqual([]);
  expect(strangers).toEqual([]);
  expect(printed.size).toBe(expected.size);
  const completed = countBy(workers.flatMap(completedJobIds));
  const jobIds = acknowledged.map((outcome) => outcome.jobId as string);
  expect(new Set(jobIds).size).toBe(TOTAL);
  expect(jobIds.filter((id) => completed.get(id) !== 1)).toEqual([]);
  expect(completed.size).toBe(TOTAL);
  const perWorker = workers.map((worker) => completedJobIds(worker).length);
  expect(perWorker.every((count) => count > 0)).toBe(true);

  const latencies = outcomes.map((outcome) => outcome.ms);
  recordScenario({
    id: '14.1',
    title: 'Load, exactly once',
    injected: 'none: sustained registration load',
    load: `${TOTAL.toLocaleString('en-US')} registrations from ${CLIENTS} keep-alive clients (half delay_seconds 0, half 1–3 s), 1 API process, ${WORKERS} worker processes (src/worker.ts, concurrency 10 each), AOF everysec, rate limit off`,
    checked: [
      'every request answered 201 (zero 4xx/5xx, zero connection errors)',
      'every 201 job_id appears in exactly one `job completed` log line across the workers',
      'every registered message is printed exactly once, and nothing else is printed',
      'every worker took part',
    ],
    figures: {
      registrations: TOTAL,
      'register throughput': `${round(TOTAL / loadSeconds, 0).toLocaleString('en-US')} req/s`,
      'latency p50': `${round(percentile(latencies, 0.5))} ms`,
      'latency p99': `${round(percentile(latencies, 0.99))} ms`,
      'latency max': `${round(Math.max(...latencies))} ms`,
      'load duration': `${round(loadSeconds)} s`,
      'all printed after': `${round(drained)} s`,
      'jobs per worker': perWorker.join(' / '),
      'printed twice': duplicates.length,
      lost: TOTAL - printed.size,
    },
    notes:
      'Throughput and latency are measured by a load loop in the test process on the same 2 shared cores as Redis, the API and three workers; they are figures, not limits.',
  });
});
