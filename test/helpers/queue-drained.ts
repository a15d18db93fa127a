import type { JobType, Queue } from 'bullmq';
import { waitFor } from '../../scripts/lib/wait-for.js';

/** The states a job can still run from: waiting (BullMQ counts it under both names), active, delayed, prioritized. */
const UNFINISHED = ['waiting', 'active', 'delayed', 'prioritized', 'wait'] as const;

/**
 * Waits until `queue` holds no job that can still run, so what the workers
 * printed or completed is final: a job that ran and sits in none of these states
 * cannot run again (a stalled run is still `active` until BullMQ moves it back
 * to waiting). Count runs after this, never after a fixed sleep.
 * The bound is generous on purpose: a drained queue usually takes milliseconds,
 * but retries with backoff and 2 shared cores under the whole suite take longer,
 * and only a queue that never drains should fail here.
 * @example await waitUntilDrained(queue, 'the delayed job to be done'); expect(printed).toHaveLength(1);
 */
export async function waitUntilDrained(queue: Queue, what = 'the queue to drain', timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => Object.values(await queue.getJobCounts(...UNFINISHED)).every((count) => count === 0), {
    timeoutMs,
    intervalMs: 50,
    what: `${what} (no job waiting, active, delayed or prioritized)`,
    explain: () => describeJobs(queue, UNFINISHED),
  });
}

/** "3 jobs still waiting: 12 (demo:delay_print), …; 1 still active: 7 (…)", at most 20 ids per state. */
export async function describeJobs(queue: Queue, states: readonly JobType[]): Promise<string> {
  const parts: string[] = [];
  for (const state of new Set(states.map((each) => (each === 'wait' ? 'waiting' : each)))) {
    const count = (await queue.getJobCounts(state))[state] ?? 0;
    if (count === 0) continue;
    const jobs = await queue.getJobs([state], 0, 19);
    const ids = jobs.map((job) => `${job.id} (${job.name})`).join(', ');
    parts.push(`${count} still ${state}: ${ids}${count > jobs.length ? ', …' : ''}`);
  }
  return parts.length > 0 ? parts.join('; ') : 'no job left in those states now';
}
