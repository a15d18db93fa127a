import type { Queue } from 'bullmq';
import type { NodeProcess } from '../../../scripts/lib/node-process.js';
import { waitFor } from '../../../scripts/lib/wait-for.js';
import { describeJobs } from '../../helpers/queue-drained.js';
import { allPrinted } from './worker-output.js';

/** A job the test expects to run: its printed message, and its id when the API answered one. */
export interface ExpectedJob {
  message: string;
  id?: string | undefined;
}

/**
 * Waits until `workers` printed every job's message. A timeout says how many are missing, which
 * (ids, at most 20) and in which BullMQ state each is — a slow run, a stuck job and a lost one differ.
 * @example await waitForJobsPrinted(expected, [worker], queue, { timeoutMs: 60_000, what: 'every acknowledged job' });
 */
export async function waitForJobsPrinted(
  jobs: readonly ExpectedJob[],
  workers: readonly NodeProcess[],
  queue: Queue,
  { timeoutMs, what }: { timeoutMs: number; what: string },
): Promise<void> {
  const missing = () => {
    const printed = new Set(allPrinted(workers));
    return jobs.filter((job) => !printed.has(job.message));
  };
  await waitFor(() => missing().length === 0, {
    timeoutMs,
    intervalMs: 250,
    what,
    explain: () => explain(queue, jobs.length, missing()),
  });
}

/**
 * Waits until `queue` counts `count` completed jobs; a timeout names the jobs not completed yet with their states.
 * @example await waitForCompleted(queue, all.length, { timeoutMs: 60_000, what: 'every job to complete' });
 */
export async function waitForCompleted(
  queue: Queue,
  count: number,
  { timeoutMs, what }: { timeoutMs: number; what: string },
): Promise<void> {
  await waitFor(async () => ((await queue.getJobCounts('completed')).completed ?? 0) >= count, {
    timeoutMs,
    intervalMs: 100,
    what: `${what} (${count} completed)`,
    explain: async () =>
      `${(await queue.getJobCounts('completed')).completed ?? 0} completed; ${await describeJobs(queue, ['waiting', 'active', 'delayed', 'prioritized', 'failed'])}`,
  });
}

async function explain(queue: Queue, total: number, missing: readonly ExpectedJob[]): Promise<string> {
  const named = await Promise.all(
    missing.slice(0, 20).map(async (job) => {
      if (!job.id) return `"${job.message}" (no job id: its answer was not a 201)`;
      return `${job.id} (${(await queue.getJobState(job.id).catch(() => 'state unreadable')) || 'not in Redis'})`;
    }),
  );
  return `${missing.length} of ${total} not run: ${named.join(', ')}${missing.length > named.length ? ', …' : ''}`;
}
