import { waitFor } from '../../../scripts/lib/wait-for.js';
import { testBusy } from '../../jobs/test-busy.js';
import { createCleanup } from './cleanup.js';
import { scenarioEnv, startWorker, TEST_WORKER_ENTRY } from './processes.js';
import { openQueue } from './slow-jobs.js';
import { completedJobIds, logEntries } from './worker-output.js';

export interface BusyHolderResult {
  /** `busy N ms` lines of the worker that took the job first / of the other one. */
  printedByHolder: number;
  printedByObserver: number;
  /** `job completed` lines for the job, per worker. */
  completedByHolder: number;
  completedByObserver: number;
  /** The observer reported the job as stalled. */
  stalled: boolean;
}

/**
 * A live worker whose event loop is blocked for `blockMs` while it holds a
 * job (lock `lockMs`), next to an idle worker checking for stalled jobs every
 * second: what a lock shorter than such a pause does. Its own queue, its own
 * processes, stopped before it returns.
 * @example const result = await runBusyHolder(redis.addr, config.dir, { lockMs: 2000, blockMs: 5000 });
 */
export async function runBusyHolder(
  redisAddr: string,
  configDir: string,
  { lockMs, blockMs }: { lockMs: number; blockMs: number },
): Promise<BusyHolderResult> {
  const cleanup = createCleanup();
  try {
    const env = scenarioEnv(redisAddr, configDir, {
      JOBQUEUE_LOCK_DURATION_MS: String(lockMs),
      JOBQUEUE_STALLED_INTERVAL_MS: '1000',
    });
    const queue = openQueue(redisAddr, env.JOBQUEUE_QUEUE_NAME as string);
    cleanup.add(() => queue.close());
    const holder = await startWorker(env, { entry: TEST_WORKER_ENTRY });
    cleanup.add(() => holder.stop('SIGKILL'));
    const jobId = `busy-${blockMs}`;
    await queue.add(testBusy.type, { ms: blockMs }, { jobId });
    await waitFor(async () => (await queue.getJobState(jobId)) === 'active', {
      what: 'the holder to take the busy job',
    });
    // The observer's own lock is long: its run of the job is never taken from it.
    const observer = await startWorker({ ...env, JOBQUEUE_LOCK_DURATION_MS: '30000' }, { entry: TEST_WORKER_ENTRY });
    cleanup.add(() => observer.stop('SIGKILL'));
    const printed = (worker: typeof holder) => worker.stdout.filter((line) => line === `busy ${blockMs} ms`).length;
    await waitFor(async () => (await queue.getJobState(jobId)) === 'completed' && printed(holder) > 0, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'the busy job to complete and the holder to wake up',
    });
    // The holder's late completion, if any, reaches Redis within this.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const completed = (worker: typeof holder) => completedJobIds(worker).filter((id) => id === jobId).length;
    return {
      printedByHolder: printed(holder),
      printedByObserver: printed(observer),
      completedByHolder: completed(holder),
      completedByObserver: completed(observer),
      stalled: logEntries(observer, 'job stalled (its worker stopped renewing the lock); it will run again').some(
        (entry) => entry.jobId === jobId,
      ),
    };
  } finally {
    await cleanup.run();
  }
}
