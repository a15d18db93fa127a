import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait-for.js';
import type { NodeProcess } from '../../scripts/lib/node-process.js';
import { waitUntilDrained } from '../helpers/queue-drained.js';
import { createCleanup } from './lib/cleanup.js';
import { waitForCompleted, waitForJobsPrinted } from './lib/wait-for-jobs.js';
import { NO_RATE_LIMIT, writeConfigDir } from './lib/config-dir.js';
import { createHttpClient } from './lib/http-client.js';
import { createTestNetwork, netnsSupport, type NetHost } from './lib/netns.js';
import { startNetnsRedis } from './lib/netns-redis.js';
import { scenarioEnv, startApi, startWorker, TEST_WORKER_ENTRY, waitUntilReady } from './lib/processes.js';
import { registerLoad, registerOnce, statusCounts, type RegisterOutcome } from './lib/register-load.js';
import { recordScenario } from './lib/scenario-report.js';
import { addSlowJobs, openQueue, sleptJobIds } from './lib/slow-jobs.js';
import { countBy, percentile, round, sleep } from './lib/stats.js';
import { allPrinted, completedJobIds, logEntries } from './lib/worker-output.js';

const CUT_MS = 30_000;
const SHORT_CUT_MS = 10_000;
const LOCK_MS = 2000;
const STALLED_INTERVAL_MS = 1000;
const CONCURRENCY = 5;
const WORKER_PORT = 8082;
const cleanup = createCleanup();
afterAll(() => cleanup.run());

const TITLE = 'Network partition (network namespaces)';

it(
  '14.5: partitions between hosts lose nothing; a worker cut from Redis cannot complete a job taken over by another',
  { timeout: 300_000 },
  async () => {
    const support = netnsSupport();
    if (!support.ok) {
      recordScenario({
        id: '14.5',
        title: TITLE,
        injected: '',
        load: '',
        checked: [],
        figures: {},
        skipped: support.reason,
      });
      return;
    }
    const net = createTestNetwork();
    cleanup.add(() => net.destroy());
    const [redisHost, apiHost, w1Host, w2Host] = ['redis', 'api', 'w1', 'w2'].map((name) => net.host(name)) as [
      NetHost,
      NetHost,
      NetHost,
      NetHost,
    ];
    const redis = await startNetnsRedis(redisHost);
    cleanup.add(() => redis.destroy());
    const config = writeConfigDir([NO_RATE_LIMIT, ['jobqueue.concurrency', CONCURRENCY]]);
    cleanup.add(() => config.remove());
    const env = scenarioEnv(redis.addr, config.dir, {
      JOBQUEUE_LOCK_DURATION_MS: String(LOCK_MS),
      JOBQUEUE_STALLED_INTERVAL_MS: String(STALLED_INTERVAL_MS),
    });
    const queue = openQueue(redis.addr, env.JOBQUEUE_QUEUE_NAME as string);
    cleanup.add(() => queue.close());
    const api = await startApi(env, { wrapper: apiHost.wrapper, host: apiHost.addr, port: 8080 });
    cleanup.add(() => api.stop('SIGKILL'));
    await waitUntilReady(api.baseUrl);
    const client = createHttpClient(api.baseUrl, 8);
    cleanup.add(() => client.close());
    const startHostWorker = async (host: NetHost) => {
      const worker = await startWorker(env, {
        entry: TEST_WORKER_ENTRY,
        wrapper: host.wrapper,
        host: host.addr,
        port: WORKER_PORT,
      });
      cleanup.add(() => worker.stop('SIGKILL'));
      return worker;
    };
    const workerReady = (host: NetHost) => waitUntilReady(`http://${host.addr}:${WORKER_PORT}`, 90_000);
    const register = async (phase: string, count: number, delaySeconds: number) => {
      const outcomes = await registerLoad({
        client,
        clients: 8,
        total: count,
        body: (i) => ({ message: `rel14.5 ${phase} ${i}`, delay_seconds: delaySeconds }),
      });
      expect(statusCounts(outcomes), `phase ${phase} registrations`).toEqual({ 201: count });
      return outcomes.map((outcome) => ({
        message: `rel14.5 ${phase} ${outcome.index}`,
        jobId: outcome.jobId as string,
      }));
    };

    // Phase 1: w1 runs slow jobs and is cut off for 30 s; w2 takes them over; jobs due meanwhile run on w2.
    const w1 = await startHostWorker(w1Host);
    const slow = await addSlowJobs(
      queue,
      Array.from({ length: CONCURRENCY }, (_, i) => 12_000 + i),
    );
    await waitFor(async () => (await queue.getActiveCount()) === CONCURRENCY, { what: 'w1 to take every slow job' });
    const w2 = await startHostWorker(w2Host);
    const workers: NodeProcess[] = [w1, w2];
    const duringCut = await register('p1', 40, 3);
    const cutAt = Date.now();
    w1Host.setLink(false);
    await sleep(CUT_MS);
    w1Host.setLink(true);
    const healedAt = Date.now();
    await workerReady(w1Host);
    const w1BackMs = Date.now() - healedAt;
    await waitForCompleted(queue, slow.length + duringCut.length, {
      timeoutMs: 60_000,
      what: 'phase 1 jobs to complete',
    });
    // Give w1's late completions, queued while it was cut off, time to reach Redis and be refused.
    await sleep(3000);

    const completions = countBy(workers.flatMap(completedJobIds));
    for (const id of slow) expect(completions.get(id), `${id}: completed by exactly one worker`).toBe(1);
    expect(
      slow.filter((id) => completedJobIds(w1).includes(id)),
      'w1 completed none of the jobs it lost',
    ).toEqual([]);
    const stalled = new Set(
      logEntries(w2, 'job stalled (its worker stopped renewing the lock); it will run again').map(
        (entry) => entry.jobId,
      ),
    );
    expect([...stalled].sort()).toEqual(slow);
    const printedByW1 = sleptJobIds(w1);
    const printedByW2 = sleptJobIds(w2);
    expect([...printedByW2].sort()).toEqual(slow);
    const ranTwice = slow.filter((id) => printedByW1.includes(id) && printedByW2.includes(id));
    expect(ranTwice.length).toBeLessThanOrEqual(CONCURRENCY);
    const p1Printed = countBy(allPrinted(workers));
    for (const { message } of duringCut) expect(p1Printed.get(message), message).toBe(1);
    const p1Late = logEntries(w2, 'job completed')
      .filter((entry) => duringCut.some((job) => job.jobId === entry.jobId))
      .map((entry) => entry.time - cutAt);

    // Phase 2: both workers cut off while jobs come due; they run after the heal, once.
    const dueDuringCut = await register('p2', 40, 2);
    w1Host.setLink(false);
    w2Host.setLink(false);
    await sleep(SHORT_CUT_MS);
    const printedDuringCut = allPrinted(workers).filter((message) => message.startsWith('rel14.5 p2 '));
    w1Host.setLink(true);
    w2Host.setLink(true);
    const healed2At = Date.now();
    expect(printedDuringCut).toEqual([]);
    await waitForJobsPrinted(
      dueDuringCut.map(({ message, jobId }) => ({ message, id: jobId })),
      workers,
      queue,
      {
        timeoutMs: 90_000,
        what: 'phase 2 jobs to run after the heal',
      },
    );
    const afterHeal = workers
      .flatMap((worker) => logEntries(worker, 'job completed'))
      .filter((entry) => dueDuringCut.some((job) => job.jobId === entry.jobId))
      .map((entry) => entry.time - healed2At);
    await waitUntilDrained(queue, 'the queue to hold nothing that could run a phase 2 job again');
    const p2Printed = countBy(allPrinted(workers));
    for (const { message } of dueDuringCut) expect(p2Printed.get(message), message).toBe(1);

    // Phase 3: the API cut off from Redis (its clients still reach it): 503 throughout, 201 after.
    apiHost.blockTo(redisHost.addr, true);
    const blockedAt = Date.now();
    const blocked = await registerLoad({
      client,
      clients: 4,
      until: () => Date.now() - blockedAt >= SHORT_CUT_MS,
      pauseAfterFailureMs: 50,
      body: (i) => ({ message: `rel14.5 p3 blocked ${i}`, delay_seconds: 0 }),
    });
    apiHost.blockTo(redisHost.addr, false);
    const unblockedAt = Date.now();
    const blockedCounts = statusCounts(blocked);
    expect(Object.keys(blockedCounts)).toEqual(['503']);
    const probes: RegisterOutcome[] = [];
    await waitFor(
      async () => {
        const outcome = await registerOnce(client, probes.length, {
          message: `rel14.5 p3 after ${probes.length}`,
          delay_seconds: 0,
        });
        probes.push(outcome);
        return outcome.status === 201;
      },
      { timeoutMs: 60_000, intervalMs: 50, what: 'a 201 once the API reaches Redis again' },
    );
    const firstOkAt = (probes[probes.length - 1] as RegisterOutcome).at;
    expect(probes.filter((outcome) => outcome.status !== 201 && outcome.status !== 503)).toEqual([]);
    const acknowledged = probes
      .filter((outcome) => outcome.status === 201)
      .map((outcome) => ({ message: `rel14.5 p3 after ${outcome.index}`, id: outcome.jobId }));
    await waitForJobsPrinted(acknowledged, workers, queue, { timeoutMs: 30_000, what: 'phase 3 jobs to run' });
    expect(allPrinted(workers).filter((message) => message.startsWith('rel14.5 p3 blocked '))).toEqual([]);
    expect(await queue.getJobCounts('failed', 'active')).toEqual({ failed: 0, active: 0 });
    for (const process of [api, w1, w2]) expect(process.child.exitCode).toBeNull();

    recordScenario({
      id: '14.5',
      title: TITLE,
      injected: `hosts in their own network namespaces on a bridge (10.231.${net.subnet}.0/24): Redis, the API, two workers. (1) w1's link cut for ${CUT_MS / 1000} s while it ran ${CONCURRENCY} slow jobs; (2) both workers' links cut for ${SHORT_CUT_MS / 1000} s while jobs came due; (3) the API cut from Redis (a blackhole route) for ${SHORT_CUT_MS / 1000} s while its clients still reached it`,
      load: `${CONCURRENCY} test:slow jobs of 12 s, 40 jobs due during cut 1, 40 due during cut 2, register loops of 4 clients in cut 3; lock_duration_ms ${LOCK_MS}, stalled_interval_ms ${STALLED_INTERVAL_MS}; tcp_retries2 4 on every host`,
      checked: [
        'cut 1: w2 saw every slow job stall and ran it; each slow job completed exactly once, never by w1 (its late completions are refused: it lost the lock); a job both printed is counted as a duplicate (≤ jobs it held)',
        'cut 1: jobs due during the cut ran once, on w2',
        'cut 2: no job ran during the cut; each ran exactly once after the heal',
        'cut 3: the API answered only 503 while cut from Redis, and 201 again after, without a restart; every acknowledged job ran; nothing failed, nothing stuck active',
      ],
      figures: {
        'cut 1: slow jobs taken over by w2': stalled.size,
        'cut 1: slow jobs run on both hosts (duplicates)': ranTwice.length,
        'cut 1: w1 completions refused': slow.length - slow.filter((id) => completedJobIds(w1).includes(id)).length,
        'cut 1: jobs due during the cut, completed after cut start (median)': `${Math.round(percentile(p1Late, 0.5))} ms`,
        'cut 1: heal → w1 ready again': `${w1BackMs} ms`,
        'cut 2: heal → first / last due job completed': `${Math.min(...afterHeal)} / ${Math.max(...afterHeal)} ms`,
        'cut 3: answers while cut': Object.entries(blockedCounts)
          .map(([status, count]) => `${status}: ${count}`)
          .join(', '),
        'cut 3: 503 latency p50 / max': `${round(
          percentile(
            blocked.map((outcome) => outcome.ms),
            0.5,
          ),
        )} / ${round(Math.max(...blocked.map((outcome) => outcome.ms)))} ms`,
        'cut 3: reconnected → first 201': `${firstOkAt - unblockedAt} ms`,
      },
      notes:
        'A worker cut off from Redis keeps running its jobs locally (it cannot know), so a job it finishes during the cut has done its work twice once ' +
        'another worker took it over: that is the duplicate window, bounded by the jobs the cut worker held, and its completion is then refused by ' +
        'Redis (BullMQ checks the lock token), so the job is completed once. The jobs due during cut 1 waited for w2, whose 5 slots ran the 12 s jobs it had taken over. Shorter locks move the work sooner and widen that window. ' +
        "While cut from Redis, the API's commands time out after command_timeout_ms (1 s) and answer 503 with Retry-After; once its connection is " +
        'declared dead it answers 503 at once. tcp_retries2 is lowered in the namespaces so a dead peer is noticed in seconds, not the kernel default ' +
        "of about 15 minutes; in production TCP keepalive or a load balancer's idle timeout plays that part.",
    });
  },
);
