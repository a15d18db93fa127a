import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { NodeProcess } from '../../scripts/lib/node-process.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { createCleanup } from './lib/cleanup.js';
import { waitForCompleted, waitForJobsPrinted } from './lib/wait-for-jobs.js';
import { writeConfigDir } from './lib/config-dir.js';
import { createHttpClient } from './lib/http-client.js';
import { createTestNetwork, netnsSupport, type NetHost } from './lib/netns.js';
import { startNetnsRedis } from './lib/netns-redis.js';
import { scenarioEnv, startApi, startWorker, TEST_WORKER_ENTRY, waitUntilReady } from './lib/processes.js';
import { registerOnce, statusCounts } from './lib/register-load.js';
import { recordScenario } from './lib/scenario-report.js';
import { addSlowJobs, openQueue, sleptJobIds } from './lib/slow-jobs.js';
import { countBy } from './lib/stats.js';
import { allPrinted } from './lib/worker-output.js';

const PER_MINUTE = 40;
const LOCK_MS = 2000;
const STALLED_INTERVAL_MS = 1000;
const WORKER_PORT = 8082;
const CLUSTER_PORTS = [7000, 7001, 7002];
const cleanup = createCleanup();
afterAll(() => cleanup.run());

const TITLE = 'Many hosts: 2 APIs, 3 workers, one queue Redis, a shared rate-limit cluster';

/** A 3-master Redis Cluster for the rate limiter inside `host`'s namespace, bound to its address. */
async function startNetnsCluster(host: NetHost): Promise<{ addrs: string[]; destroy(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-cluster-netns-'));
  const nodes: ChildProcess[] = CLUSTER_PORTS.map((port) =>
    spawn(
      'ip',
      [
        'netns',
        'exec',
        host.ns,
        'redis-server',
        '--port',
        String(port),
        '--bind',
        host.addr,
        '--protected-mode',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        path.join(dir, `nodes-${port}.conf`),
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    ),
  );
  const addrs = CLUSTER_PORTS.map((port) => `${host.addr}:${port}`);
  const stop = (node: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (node.exitCode !== null || node.signalCode !== null) return resolve();
      node.once('exit', () => resolve());
      node.kill('SIGKILL');
    });
  const destroy = async () => {
    await Promise.all(nodes.map(stop));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      () =>
        CLUSTER_PORTS.every((port) => {
          try {
            return (
              execFileSync('redis-cli', ['-h', host.addr, '-p', String(port), 'PING'], { encoding: 'utf8' }).trim() ===
              'PONG'
            );
          } catch {
            return false;
          }
        }),
      { what: 'the cluster nodes to answer', timeoutMs: 20_000 },
    );
    execFileSync('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-replicas', '0', '--cluster-yes'], {
      stdio: 'ignore',
    });
    await waitFor(
      () =>
        execFileSync('redis-cli', ['-h', host.addr, '-p', String(CLUSTER_PORTS[0]), 'CLUSTER', 'INFO'], {
          encoding: 'utf8',
        }).includes('cluster_state:ok'),
      { what: 'cluster_state:ok', timeoutMs: 30_000 },
    );
  } catch (error) {
    await destroy();
    throw error;
  }
  return { addrs, destroy };
}

it(
  '15.4: two API hosts share one rate limit, three worker hosts run every job once, a worker host that disappears costs no job',
  { timeout: 300_000 },
  async () => {
    const support = netnsSupport();
    if (!support.ok) {
      recordScenario({
        id: '15.4',
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
    const [redisHost, cacheHost, api1Host, api2Host, w1Host, w2Host, w3Host] = [
      'redis',
      'cache',
      'api1',
      'api2',
      'w1',
      'w2',
      'w3',
    ].map((name) => net.host(name)) as [NetHost, NetHost, NetHost, NetHost, NetHost, NetHost, NetHost];
    const redis = await startNetnsRedis(redisHost);
    cleanup.add(() => redis.destroy());
    const cluster = await startNetnsCluster(cacheHost);
    cleanup.add(() => cluster.destroy());
    const config = writeConfigDir([
      ['api.rate_limit.enabled', true],
      ['api.rate_limit.requests_per_minute', PER_MINUTE],
      ['api.rate_limit.requests_per_hour', 0],
      ['api.rate_limit.storage_type', 'redis'],
      ['jobqueue.concurrency', 4],
    ]);
    cleanup.add(() => config.remove());
    const env = scenarioEnv(redis.addr, config.dir, {
      REDIS_DEFAULT_CLUSTER_ADDRS: cluster.addrs.join(','),
      JOBQUEUE_LOCK_DURATION_MS: String(LOCK_MS),
      JOBQUEUE_STALLED_INTERVAL_MS: String(STALLED_INTERVAL_MS),
    });
    const queue = openQueue(redis.addr, env.JOBQUEUE_QUEUE_NAME as string);
    cleanup.add(() => queue.close());
    const apis = await Promise.all(
      [api1Host, api2Host].map(async (host) => {
        const api = await startApi(env, { wrapper: host.wrapper, host: host.addr, port: 8080 });
        cleanup.add(() => api.stop('SIGKILL'));
        await waitUntilReady(api.baseUrl);
        return api;
      }),
    );
    const workers: NodeProcess[] = [];
    for (const host of [w1Host, w2Host, w3Host]) {
      const worker = await startWorker(env, {
        entry: TEST_WORKER_ENTRY,
        wrapper: host.wrapper,
        host: host.addr,
        port: WORKER_PORT,
      });
      cleanup.add(() => worker.stop('SIGKILL'));
      await waitUntilReady(`http://${host.addr}:${WORKER_PORT}`, 60_000);
      workers.push(worker);
    }
    const clients = apis.map((api) => createHttpClient(api.baseUrl, 4));
    cleanup.add(() => clients.forEach((client) => client.close()));

    // Phase 1: one client (the test's address) alternates between the two APIs: one limit for both.
    const sent = PER_MINUTE + 20;
    const outcomes = [];
    for (let i = 0; i < sent; i++)
      outcomes.push(
        await registerOnce(clients[i % 2] as ReturnType<typeof createHttpClient>, i, {
          message: `rel15.4 ${i}`,
          delay_seconds: i % 2,
        }),
      );
    const counts = statusCounts(outcomes);
    expect(counts).toEqual({ 201: PER_MINUTE, 429: sent - PER_MINUTE });
    const accepted = outcomes.filter((outcome) => outcome.status === 201);
    const acceptedBy = [0, 1].map((api) => accepted.filter((outcome) => outcome.index % 2 === api).length);
    // Every registered job is printed once, by one of the three workers.
    const jobs = accepted.map((outcome) => ({ message: `rel15.4 ${outcome.index}`, id: outcome.jobId }));
    await waitForJobsPrinted(jobs, workers, queue, {
      timeoutMs: 60_000,
      what: 'every registered job to run',
    });
    const printed = countBy(allPrinted(workers).filter((message) => message.startsWith('rel15.4 ')));
    expect([...printed.values()].every((times) => times === 1)).toBe(true);
    expect(printed.size).toBe(PER_MINUTE);
    const runsPerWorker = workers.map(
      (worker) => allPrinted([worker]).filter((message) => message.startsWith('rel15.4 ')).length,
    );

    // Phase 2: slow jobs on all three; one worker host's link goes down and another worker is SIGKILLed mid-run.
    const durations = Array.from({ length: 24 }, (_, i) => 1500 + i);
    const slowIds = await addSlowJobs(queue, durations);
    // Every worker holds jobs (4 each) when the faults hit.
    await waitFor(async () => (await queue.getActiveCount()) >= 12, {
      what: 'the slow jobs to run on all three workers',
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    const cutAt = Date.now();
    w1Host.setLink(false);
    await (workers[1] as NodeProcess).stop('SIGKILL');
    await waitForCompleted(queue, PER_MINUTE + slowIds.length, {
      what: 'every slow job to complete on the survivor',
      timeoutMs: 120_000,
    });
    const recoveredMs = Date.now() - cutAt;
    w1Host.setLink(true);
    const ranBy = workers.map((worker) => sleptJobIds(worker));
    const runs = countBy(ranBy.flat());
    expect(slowIds.filter((id) => !runs.has(id))).toEqual([]);
    // A job cut off mid-run on w1 or killed on w2 runs again on w3: at-least-once, counted.
    const duplicates = [...runs.values()].filter((times) => times > 1).length;
    expect(await queue.getJobCounts('active', 'waiting', 'delayed', 'failed')).toEqual({
      active: 0,
      waiting: 0,
      delayed: 0,
      failed: 0,
    });

    recordScenario({
      id: '15.4',
      title: TITLE,
      injected: `Phase 1: one client alternates ${sent} registrations between two API hosts (limit ${PER_MINUTE}/min per client IP, counters on a 3-master Redis Cluster on its own host). Phase 2: ${slowIds.length} slow jobs (1.5 s) on three worker hosts; worker host 1's link goes down and worker 2 is SIGKILLed while they run`,
      load: `7 network-namespace hosts on one bridge: queue Redis, rate-limit cluster, 2 APIs, 3 workers (concurrency 4, lock ${LOCK_MS} ms, stalled check every ${STALLED_INTERVAL_MS} ms)`,
      checked: [
        `exactly ${PER_MINUTE} of ${sent} requests answered 201 across both APIs, the rest 429 (one shared limit, not one per API)`,
        'every registered job printed exactly once, by some worker',
        'every slow job completed after a worker host disappeared and another was killed; nothing left active, waiting or failed',
      ],
      figures: {
        '201 answers from API 1 / API 2': `${acceptedBy[0]} / ${acceptedBy[1]}`,
        '429 answers': sent - PER_MINUTE,
        'registered jobs run by worker 1 / 2 / 3': runsPerWorker.join(' / '),
        'slow jobs run by worker 1 / 2 / 3 (before it vanished)': ranBy.map((ids) => ids.length).join(' / '),
        'slow jobs run twice (at-least-once)': duplicates,
        'from the cut to every slow job completed': `${(recoveredMs / 1000).toFixed(1)} s`,
        'jobs lost': 0,
      },
    });
  },
);
