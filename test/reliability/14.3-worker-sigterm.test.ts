import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { createCleanup } from './lib/cleanup.js';
import { waitForCompleted } from './lib/wait-for-jobs.js';
import { writeConfigDir } from './lib/config-dir.js';
import { scenarioEnv, startWorker, TEST_WORKER_ENTRY } from './lib/processes.js';
import { recordScenario } from './lib/scenario-report.js';
import { addSlowJobs, openQueue, sleptJobIds } from './lib/slow-jobs.js';
import { completedJobIds } from './lib/worker-output.js';

const SHUTDOWN_TIMEOUT_SECONDS = 2;
const cleanup = createCleanup();
afterAll(() => cleanup.run());

it(
  '14.3: SIGTERM lets running jobs finish, hands back the ones that outlast the timeout, and exits 0',
  { timeout: 120_000 },
  async () => {
    const redis = await startRedisServer({ appendonly: true });
    cleanup.add(() => redis.destroy());
    // The default 30 s lock on purpose: a job left behind as "active" would stay stuck that long.
    const config = writeConfigDir([['jobqueue.shutdown_timeout_seconds', SHUTDOWN_TIMEOUT_SECONDS]]);
    cleanup.add(() => config.remove());
    const env = scenarioEnv(redis.addr, config.dir);
    const queue = openQueue(redis.addr, env.JOBQUEUE_QUEUE_NAME as string);
    cleanup.add(() => queue.close());

    const victim = await startWorker(env, { entry: TEST_WORKER_ENTRY });
    cleanup.add(() => victim.stop('SIGKILL'));
    const short = await addSlowJobs(queue, [1000, 1001, 1002, 1003]);
    const long = await addSlowJobs(queue, [8000, 8001]);
    await waitFor(async () => (await queue.getActiveCount()) === short.length + long.length, {
      what: 'the worker to take every job',
    });

    const signalled = performance.now();
    victim.child.kill('SIGTERM');
    const code = await victim.exited;
    const exitMs = performance.now() - signalled;
    expect(code, victim.stderr.join('\n')).toBe(0);

    // Right after the exit, before any other worker exists: nothing is left active.
    const activeAfterExit = await queue.getActiveCount();
    expect(activeAfterExit).toBe(0);
    expect(completedJobIds(victim).sort()).toEqual(short);
    expect(sleptJobIds(victim).sort()).toEqual(short);
    const handedBack = await Promise.all(long.map(async (id) => [id, await queue.getJobState(id)] as const));
    expect(Object.fromEntries(handedBack)).toEqual(Object.fromEntries(long.map((id) => [id, 'waiting'])));
    const attemptsAfterHandBack = await Promise.all(long.map(async (id) => (await queue.getJob(id))?.attemptsMade));

    const next = await startWorker(env, { entry: TEST_WORKER_ENTRY });
    cleanup.add(() => next.stop('SIGKILL'));
    await waitForCompleted(queue, short.length + long.length, {
      timeoutMs: 30_000,
      what: 'the handed-back jobs to complete',
    });
    expect(await queue.getJobCounts('active', 'wait', 'delayed', 'failed')).toEqual({
      active: 0,
      wait: 0,
      delayed: 0,
      failed: 0,
    });
    expect(sleptJobIds(next).sort()).toEqual(long);
    expect(await next.stop('SIGTERM')).toBe(0);

    recordScenario({
      id: '14.3',
      title: 'Worker SIGTERM with jobs active',
      injected: `SIGTERM to a worker running ${short.length + long.length} jobs, shutdown_timeout_seconds ${SHUTDOWN_TIMEOUT_SECONDS}`,
      load: `${short.length} jobs of 1 s (shorter than the timeout), ${long.length} jobs of 8 s (longer); default 30 s lock`,
      checked: [
        'the worker exits 0',
        'the 1 s jobs finished on it and were printed once',
        'right after the exit no job is active; the 8 s jobs are waiting again (handed back, not left locked for the 30 s lock)',
        'a second worker runs the handed-back jobs; nothing failed, nothing lost',
      ],
      figures: {
        'SIGTERM → exit': `${Math.round(exitMs)} ms`,
        'exit code': code ?? 'signal',
        'finished before exit': short.length,
        'handed back to waiting': long.length,
        'active right after exit': activeAfterExit,
        'attempts counted for a handed-back job': attemptsAfterHandBack.join(' / '),
        lost: 0,
      },
      notes:
        'Before this suite the worker waited for the timeout, then exited 1 with the long jobs still "active" and locked; they ran again only after ' +
        "their lock expired (lock_duration_ms, 30 s) and another worker's stalled check took them, and a job stalled that way twice fails. Now, when " +
        'shutdown_timeout_seconds is up, the worker aborts the jobs still running (their processor sees the AbortSignal), moves them back to ' +
        'waiting with its lock token (BullMQ Job.moveToWait + WaitingError) and exits 0. A handed-back job runs again from the start, so a job that ' +
        'did part of its work before the hand-back does it again (at-least-once).',
    });
  },
);
