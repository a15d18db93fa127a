import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { createCleanup } from './lib/cleanup.js';
import { waitForCompleted } from './lib/wait-for-jobs.js';
import { writeConfigDir } from './lib/config-dir.js';
import { scenarioEnv, startWorker, TEST_WORKER_ENTRY } from './lib/processes.js';
import { recordScenario } from './lib/scenario-report.js';
import { runBusyHolder } from './lib/busy-holder.js';
import { addSlowJobs, openQueue, sleptJobIds } from './lib/slow-jobs.js';
import { countBy, sleep } from './lib/stats.js';
import { completedJobIds, logEntries } from './lib/worker-output.js';

const LOCK_MS = 2000;
const STALLED_INTERVAL_MS = 1000;
const CONCURRENCY = 10;
const BUSY_MS = 5000;
const cleanup = createCleanup();
afterAll(() => cleanup.run());

it(
  '14.2: jobs of a SIGKILLed worker run again on another worker after stall detection',
  { timeout: 120_000 },
  async () => {
    const redis = await startRedisServer({ appendonly: true });
    cleanup.add(() => redis.destroy());
    const config = writeConfigDir([['jobqueue.concurrency', CONCURRENCY]]);
    cleanup.add(() => config.remove());
    const env = scenarioEnv(redis.addr, config.dir, {
      JOBQUEUE_LOCK_DURATION_MS: String(LOCK_MS),
      JOBQUEUE_STALLED_INTERVAL_MS: String(STALLED_INTERVAL_MS),
    });
    const queue = openQueue(redis.addr, env.JOBQUEUE_QUEUE_NAME as string);
    cleanup.add(() => queue.close());

    const victim = await startWorker(env, { entry: TEST_WORKER_ENTRY });
    cleanup.add(() => victim.stop('SIGKILL'));
    // One job per slot, 6–7 s long: all of them are running on the victim when it dies.
    const slow = await addSlowJobs(
      queue,
      Array.from({ length: CONCURRENCY }, (_, i) => 6000 + i * 97),
    );
    await waitFor(async () => (await queue.getActiveCount()) === CONCURRENCY, {
      what: 'the victim to take every slow job',
    });
    const rescuer = await startWorker(env, { entry: TEST_WORKER_ENTRY });
    cleanup.add(() => rescuer.stop('SIGKILL'));
    // Short jobs the rescuer runs meanwhile: the fault must not disturb the rest of the queue.
    const short = await addSlowJobs(
      queue,
      Array.from({ length: 20 }, (_, i) => 50 + i),
    );
    await sleep(1000);

    const killedAt = Date.now();
    const activeAtKill = await queue.getActiveCount();
    expect(await victim.stop('SIGKILL')).toBeNull();
    const all = [...slow, ...short];
    await waitForCompleted(queue, all.length, { timeoutMs: 60_000, what: 'every job to complete' });
    const counts = await queue.getJobCounts('active', 'wait', 'delayed', 'failed', 'completed');
    expect(counts).toEqual({ active: 0, wait: 0, delayed: 0, failed: 0, completed: all.length });
    const states = await Promise.all(all.map(async (id) => (await queue.getJob(id))?.finishedOn));
    expect(states.every((finishedOn) => typeof finishedOn === 'number')).toBe(true);

    // Which worker printed what: a job printed by both is the duplicate window.
    const byVictim = sleptJobIds(victim);
    const byRescuer = countBy(sleptJobIds(rescuer));
    for (const id of all) expect(byVictim.includes(id) || byRescuer.has(id), `${id} printed`).toBe(true);
    expect([...byRescuer.values()].every((count) => count === 1)).toBe(true);
    const printedTwice = byVictim.filter((id) => byRescuer.has(id));
    // Only a job that was running on the victim can run twice.
    expect(printedTwice.every((id) => slow.includes(id))).toBe(true);
    expect(printedTwice.length).toBeLessThanOrEqual(activeAtKill);
    const stalled = logEntries(rescuer, 'job stalled (its worker stopped renewing the lock); it will run again');
    const finishedByVictim = completedJobIds(victim);
    expect(new Set(stalled.map((entry) => entry.jobId))).toEqual(
      new Set(slow.filter((id) => !finishedByVictim.includes(id))),
    );
    const firstStall = Math.min(...stalled.map((entry) => entry.time)) - killedAt;
    const slowDone = await Promise.all(slow.map(async (id) => (await queue.getJob(id))?.finishedOn ?? Number.NaN));
    const recovered = Math.max(...slowDone) - killedAt;
    // Recovery is bounded by the lock settings: lock expiry plus one stalled check, plus the longest job, plus slack for a busy machine.
    expect(firstStall).toBeLessThan(LOCK_MS + STALLED_INTERVAL_MS + 3000);

    // The trade-off: a live worker whose event loop is blocked for 5 s, with the short lock and with BullMQ's default one.
    const shortLock = await runBusyHolder(redis.addr, config.dir, { lockMs: LOCK_MS, blockMs: BUSY_MS });
    expect(shortLock).toEqual({
      printedByHolder: 1,
      printedByObserver: 1,
      completedByHolder: 0,
      completedByObserver: 1,
      stalled: true,
    });
    const defaultLock = await runBusyHolder(redis.addr, config.dir, { lockMs: 30_000, blockMs: BUSY_MS });
    expect(defaultLock).toEqual({
      printedByHolder: 1,
      printedByObserver: 0,
      completedByHolder: 1,
      completedByObserver: 0,
      stalled: false,
    });

    recordScenario({
      id: '14.2',
      title: 'Worker SIGKILL with jobs active',
      injected: `SIGKILL of a worker (src/worker.ts service with the test:slow job type) while it ran ${activeAtKill} jobs`,
      load: `${slow.length} slow jobs (6.0–6.9 s) on the victim, ${short.length} short jobs on a second worker; lock_duration_ms ${LOCK_MS}, stalled_interval_ms ${STALLED_INTERVAL_MS} (JOBQUEUE_LOCK_DURATION_MS / JOBQUEUE_STALLED_INTERVAL_MS)`,
      checked: [
        'the victim died with its jobs active',
        'every job completed (queue: 0 active, 0 waiting, 0 failed), none lost',
        'the second worker reported every job the victim had not finished as stalled and ran it',
        'no job ran twice on the second worker; a job printed by both is one the victim was running (duplicates ≤ jobs active at the kill)',
        `the first stall was detected within lock + stalled interval + 3 s of slack`,
        `a live worker blocked for ${BUSY_MS / 1000} s (test:busy) with the ${LOCK_MS / 1000} s lock: another worker takes the job over, it runs twice, is completed once (the blocked worker's completion is refused); with the default 30 s lock it runs once`,
      ],
      figures: {
        'jobs active at SIGKILL': activeAtKill,
        lost: 0,
        'printed twice (duplicate window)': printedTwice.length,
        'SIGKILL → first stall detected': `${firstStall} ms`,
        'SIGKILL → last recovered job completed': `${recovered} ms`,
        'theoretical detection bound (lock + stalled interval)': `${LOCK_MS + STALLED_INTERVAL_MS} ms`,
        [`live worker blocked ${BUSY_MS / 1000} s, lock ${LOCK_MS / 1000} s: runs / completions`]: `${shortLock.printedByHolder + shortLock.printedByObserver} / ${shortLock.completedByHolder + shortLock.completedByObserver}`,
        [`live worker blocked ${BUSY_MS / 1000} s, lock 30 s: runs / completions`]: `${defaultLock.printedByHolder + defaultLock.printedByObserver} / ${defaultLock.completedByHolder + defaultLock.completedByObserver}`,
      },
      notes:
        'A killed worker stops renewing its locks; once a lock expires (lock_duration_ms after its last renewal, renewed every half of it), ' +
        'the next stalled check of any worker (every stalled_interval_ms) moves the job back to waiting, so recovery takes about lock + interval ' +
        '(BullMQ defaults: 30 s + 30 s, up to a minute). Shorter values recover sooner, but a live worker whose event loop is blocked for longer than ' +
        'the lock (a CPU-bound job, a long GC pause) loses its job to another worker too, and then the job runs twice: measured above with a job ' +
        'that blocks its worker for 5 s (twice with a 2 s lock, once with 30 s). Choose the lock above the longest pause a job can cause. ' +
        'A job runs twice after a SIGKILL ' +
        'only when it had done its work (printed) but its completion had not reached Redis: jobs must be idempotent or tolerate that window. ' +
        'A job that stalls more than once (maxStalledCount 1) fails instead of running a third time.',
    });
  },
);
