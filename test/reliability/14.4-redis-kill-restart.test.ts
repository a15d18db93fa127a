import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { waitUntilDrained } from '../helpers/queue-drained.js';
import { createCleanup } from './lib/cleanup.js';
import { waitForJobsPrinted } from './lib/wait-for-jobs.js';
import { startScenarioStack } from './lib/scenario-stack.js';
import { openQueue } from './lib/slow-jobs.js';
import { registerLoad, statusCounts, type RegisterOutcome } from './lib/register-load.js';
import { recordScenario } from './lib/scenario-report.js';
import { countBy, percentile, round, sleep } from './lib/stats.js';
import { allPrinted, logEntries } from './lib/worker-output.js';

const SOAK = process.env.RELIABILITY_SOAK === '1';
const OUTAGE_MS = SOAK ? 15_000 : 4000;
const CLIENTS = 16;
const DUE_DURING_OUTAGE = 200;
const FSYNC_ROUNDS = SOAK ? 8 : 4;
const FSYNC_SECONDS = 2;
const cleanup = createCleanup();
afterAll(() => cleanup.run());

const messageOf = (index: number) => `rel14.4 ${index}`;
const dueMessageOf = (index: number) => `rel14.4 due ${index}`;

it(
  '14.4: a Redis SIGKILL under load loses no acknowledged job, and everything recovers by itself',
  { timeout: 240_000 },
  async () => {
    const { redis, env, api, workers, client } = await startScenarioStack(cleanup, {
      workers: 2,
      sockets: CLIENTS + 4,
    });

    // Jobs due 3 s from now: they come due while Redis is down.
    const dueStarted = Date.now();
    const due = await registerLoad({
      client,
      clients: 8,
      total: DUE_DURING_OUTAGE,
      body: (i) => ({ message: dueMessageOf(i), delay_seconds: 3 }),
    });
    expect(statusCounts(due)).toEqual({ 201: DUE_DURING_OUTAGE });
    const [firstDue, lastDue] = [dueStarted + 3000, Math.max(...due.map((outcome) => outcome.at)) + 3000];

    let stopLoad = false;
    const loading = registerLoad({
      client,
      clients: CLIENTS,
      until: () => stopLoad,
      pauseAfterFailureMs: 20,
      body: (i) => ({ message: messageOf(i), delay_seconds: i % 2 }),
    });
    await sleep(1000);
    const killedAt = Date.now();
    await redis.stop('SIGKILL');
    await sleep(OUTAGE_MS);
    await redis.start();
    const restartedAt = Date.now();
    await sleep(3000);
    stopLoad = true;
    const outcomes: RegisterOutcome[] = await loading;

    // Every answer was a 201 or a 503; the API never failed otherwise and never dropped a connection.
    const counts = statusCounts(outcomes);
    expect(Object.keys(counts).sort()).toEqual(Object.keys(counts).includes('503') ? ['201', '503'] : ['201']);
    const acked = outcomes.filter((outcome) => outcome.status === 201);
    const ackedBeforeKill = acked.filter((outcome) => outcome.at <= killedAt).length;
    // Requests in flight at the kill may still be answered by the dying Redis; none later, until it is back.
    expect(acked.filter((outcome) => outcome.at > killedAt + 1000 && outcome.at < restartedAt)).toEqual([]);
    const firstAfter = acked.filter((outcome) => outcome.at >= restartedAt).sort((a, b) => a.at - b.at)[0];
    expect(firstAfter, 'registrations work again after the restart').toBeDefined();
    const unavailable = outcomes.filter((outcome) => outcome.status === 503);
    expect(unavailable.every((outcome) => outcome.at >= killedAt && outcome.at <= restartedAt + 4000)).toBe(true);

    // Every acknowledged job runs: nothing lost by the crash.
    const expected = new Set([
      ...acked.map((outcome) => messageOf(outcome.index)),
      ...due.map((outcome) => dueMessageOf(outcome.index)),
    ]);
    // Opened after the restart (a Queue has no error listener). The bound covers a job left active by the
    // crash: BullMQ's stalled check returns it after the lock (30 s) and up to two check intervals (30 s each).
    const queue = openQueue(redis.addr, env.JOBQUEUE_QUEUE_NAME as string);
    cleanup.add(() => queue.close());
    const jobs = [
      ...acked.map((outcome) => ({ message: messageOf(outcome.index), id: outcome.jobId })),
      ...due.map((outcome) => ({ message: dueMessageOf(outcome.index), id: outcome.jobId })),
    ];
    await waitForJobsPrinted(jobs, workers, queue, {
      timeoutMs: 90_000 + 60_000,
      what: 'every acknowledged job to run',
    });
    // Once the queue holds nothing that could run, the counts below are final, a rerun after the crash included.
    await waitUntilDrained(queue, 'the queue to hold nothing that could run a job again', 90_000);
    const printed = countBy(allPrinted(workers));
    const lost = [...expected].filter((message) => !printed.has(message));
    expect(lost).toEqual([]);
    // A job may be stored by a Redis that dies before its reply: the client got a 503 for a job that runs
    // (the ambiguous outcome an Idempotency-Key retry resolves). Only requests in flight at the kill may do that.
    const inFlightAtKill = new Set(
      outcomes
        .filter((outcome) => outcome.status !== 201 && outcome.at - outcome.ms <= killedAt + 50)
        .map((outcome) => messageOf(outcome.index)),
    );
    const storedButRefused = [...printed.keys()].filter((message) => !expected.has(message));
    expect(storedButRefused.filter((message) => !inFlightAtKill.has(message))).toEqual([]);
    const printedTwice = [...printed].filter(([, count]) => count > 1).map(([message]) => message);
    // A second run can only be a job a worker was running when Redis died: at most concurrency × workers.
    expect(printedTwice.length).toBeLessThanOrEqual(2 * 10);
    const dueTwice = due.filter((outcome) => (printed.get(dueMessageOf(outcome.index)) ?? 0) !== 1);
    expect(dueTwice).toEqual([]);

    // The jobs that came due during the outage ran soon after Redis was back.
    const dueIds = new Set(due.map((outcome) => outcome.jobId));
    const dueCompleted = workers
      .flatMap((worker) => logEntries(worker, 'job completed'))
      .filter((entry) => dueIds.has(entry.jobId));
    expect(dueCompleted).toHaveLength(DUE_DURING_OUTAGE);
    const dueRunAfterRestart = dueCompleted.map((entry) => entry.time - restartedAt);
    expect(Math.min(...dueRunAfterRestart)).toBeGreaterThanOrEqual(-50);
    // The scenario is what it says: every one of them came due inside the outage.
    expect(firstDue).toBeGreaterThan(killedAt);
    expect(lastDue).toBeLessThan(restartedAt);
    // The processes were never restarted: they recovered by themselves.
    for (const process of [api, ...workers]) expect(process.child.exitCode).toBeNull();

    // What `appendfsync always` costs: the same load, alternating with everysec.
    const admin = new Redis({ host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: 1 });
    cleanup.add(() => admin.disconnect());
    const rates: Record<'everysec' | 'always', number[]> = { everysec: [], always: [] };
    for (let round_ = 0; round_ < FSYNC_ROUNDS; round_ += 1) {
      for (const mode of round_ % 2 === 0 ? (['everysec', 'always'] as const) : (['always', 'everysec'] as const)) {
        await admin.config('SET', 'appendfsync', mode);
        const until = Date.now() + FSYNC_SECONDS * 1000;
        const run = await registerLoad({
          client,
          clients: CLIENTS,
          until: () => Date.now() >= until,
          body: () => ({ message: 'fsync', delay_seconds: 3600 }),
        });
        expect(statusCounts(run)).toEqual({ 201: run.length });
        rates[mode].push(run.length / FSYNC_SECONDS);
      }
    }
    await admin.config('SET', 'appendfsync', 'everysec');
    const median = (values: number[]) => percentile(values, 0.5);
    const ratio = median(rates.always) / median(rates.everysec);
    const spread = (values: number[]) =>
      `${round(median(values), 0).toLocaleString('en-US')} (${round(Math.min(...values), 0).toLocaleString('en-US')}–${round(Math.max(...values), 0).toLocaleString('en-US')}) req/s`;

    recordScenario({
      id: '14.4',
      title: 'Redis SIGKILL and restart under load',
      injected: `SIGKILL of redis-server (AOF on, appendfsync everysec) under load, restarted on the same data directory ${OUTAGE_MS / 1000} s later`,
      load: `${CLIENTS} keep-alive clients registering throughout (delay 0 or 1 s; a client waits 20 ms after a non-201), ${DUE_DURING_OUTAGE} jobs registered before the kill due 3 s later (inside the outage); 1 API, 2 workers`,
      checked: [
        'every answer was 201 or 503 (no other status, no dropped connection); 503s only from the kill to 4 s after the restart (the reconnect backoff); no 201 from 1 s after the kill until the restart',
        'every job acknowledged with a 201 ran (lost = 0); a job that ran without a 201 was a request in flight at the kill (answered 503)',
        'jobs run twice only within what the workers were running at the kill (≤ 20)',
        'the jobs that came due during the outage each ran exactly once, after the restart',
        'API and workers were never restarted; registrations answer 201 again after the restart',
        '`appendfsync always` runs: every request answered 201',
      ],
      figures: {
        'acknowledged (201)': acked.length,
        'acknowledged before the kill': ackedBeforeKill,
        'answered 503 during the outage': unavailable.length,
        'acknowledged but lost': lost.length,
        'printed twice': printedTwice.length,
        'answered 503 but stored (in flight at the kill)': storedButRefused.length,
        'Redis ready → first 201': `${firstAfter ? firstAfter.at - restartedAt : Number.NaN} ms`,
        'Redis ready → first / last job due during the outage completed': `${Math.min(...dueRunAfterRestart)} / ${Math.max(...dueRunAfterRestart)} ms`,
        '503 latency p99': `${round(
          percentile(
            unavailable.map((outcome) => outcome.ms),
            0.99,
          ),
        )} ms`,
        'register throughput, everysec: median (min–max of rounds)': spread(rates.everysec),
        'register throughput, always: median (min–max of rounds)': spread(rates.always),
        'always / everysec': round(ratio, 2),
      },
      notes:
        "A SIGKILL of the Redis process loses nothing it acknowledged: its writes are already in the kernel's page cache, which survives the process, " +
        'so everysec only matters when the machine itself fails (up to about 2 s of acknowledged jobs). `appendfsync always` closes that window at the cost above ' +
        `(${FSYNC_ROUNDS} alternating ${FSYNC_SECONDS} s rounds per mode on the same Redis, AOF on this machine's disk; a slower disk costs more). On this VM's virtio disk an fsync is cheap and the shared CPU drifts, so the ratio moves between about 0.7 and 1.0 from run to run: ` +
        'read it as "always costs up to about a third of the register rate here", and measure on the production disk. ' +
        "The time from Redis being ready to the first 201 and to the due jobs running is the clients' reconnect backoff " +
        '(redis.jobqueue.retry, doubling from 100 ms to at most 2 s in config/test), not a scan: both processes reconnect by themselves.',
    });
  },
);
