import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startCompiled } from '../lib/bench-server.js';
import { cpuSeconds, redisPid } from '../lib/cpu.js';
import { roundOrder } from '../lib/rotation.js';
import { spread } from '../lib/stats.js';

export interface WorkerRun {
  jobsPerSecond: number;
  /** The worker process's CPU time per job (µs). */
  workerMicrosPerJob: number;
  /** Redis's CPU time per job (µs), when the caller measured it. */
  redisMicrosPerJob?: number;
  rssIdleMiB: number;
  rssAfterMiB: number;
  lateness: number[];
}

interface RunnerOutput {
  ms: number;
  cpuMs: number;
  rssIdleMiB: number;
  rssAfterMiB: number;
  lateness: number[];
}

/** Runs bench/servers/worker-runner.ts until `count` jobs completed; with `redisServerPid`, measures Redis's CPU too. */
export async function runWorker(
  env: Record<string, string>,
  count: number,
  redisServerPid?: number,
  nodeArgs: string[] = [],
): Promise<WorkerRun> {
  const redisBefore = redisServerPid === undefined ? 0 : cpuSeconds(redisServerPid);
  const child = startCompiled('worker-runner.js', { ...env, COUNT: String(count) }, nodeArgs);
  const line = await child.waitForLine(/^\{"ms"/, { stream: 'stdout', timeoutMs: 300_000 });
  await child.exited;
  const output = JSON.parse(line) as RunnerOutput;
  // Redis's CPU spans the worker's whole life (start-up, script loading, close),
  // a small share next to 20,000 jobs.
  const redisMicrosPerJob =
    redisServerPid === undefined ? undefined : ((cpuSeconds(redisServerPid) - redisBefore) * 1e6) / count;
  return {
    jobsPerSecond: count / (output.ms / 1000),
    workerMicrosPerJob: (output.cpuMs * 1000) / count,
    rssIdleMiB: output.rssIdleMiB,
    rssAfterMiB: output.rssAfterMiB,
    lateness: output.lateness,
    ...(redisMicrosPerJob === undefined ? {} : { redisMicrosPerJob }),
  };
}

/** Median CPU per job (µs) over runs: the worker process's and Redis's (0 where not measured). */
export function medianCpuPerJob(runs: readonly WorkerRun[]): { worker: number; redis: number } {
  return {
    worker: spread(runs.map((run) => run.workerMicrosPerJob)).median,
    redis: spread(runs.map((run) => run.redisMicrosPerJob ?? 0)).median,
  };
}

/** One run as the bench logs it: jobs/s and CPU per job. */
export function describeRun(run: WorkerRun): string {
  return `${Math.round(run.jobsPerSecond)} jobs/s, CPU per job: worker ${Math.round(run.workerMicrosPerJob)} µs, Redis ${Math.round(run.redisMicrosPerJob ?? 0)} µs`;
}

const KINDS = [
  {
    name: 'ours: demo:delay_print (print to /dev/null)',
    kind: 'ours',
    job: 'demo:delay_print',
    data: { message: 'bench job' },
  },
  { name: 'ours: no-op job type', kind: 'ours', job: 'bench:noop', data: { n: 1 } },
  { name: 'raw BullMQ Worker: no-op', kind: 'raw', job: 'bench:noop', data: { n: 1 } },
  // What ours does besides running the job: the same retention, one log line per completed job, the payload validated.
  {
    name: 'plain BullMQ Worker, same retention, one log line per job, payload validated: no-op',
    kind: 'raw',
    job: 'bench:noop',
    data: { n: 1 },
    env: { RAW_REMOVE_ON_COMPLETE: '{"count":1000,"age":86400}', RAW_LOG: '1', RAW_VALIDATE: '1' },
  },
] as const;

/** Empties Redis and queues `count` waiting jobs of one kind (addBulk, 1,000 per call). */
export async function fillQueue(
  admin: Redis,
  redisPort: number,
  queueName: string,
  count: number,
  job: { name: string; data: object },
): Promise<void> {
  await admin.flushall();
  const queue = new Queue(queueName, { connection: { host: '127.0.0.1', port: redisPort } });
  try {
    for (let offset = 0; offset < count; offset += 1000) {
      await queue.addBulk(Array.from({ length: Math.min(1000, count - offset) }, () => job));
    }
  } finally {
    await queue.close();
  }
}

/** Jobs per second at the same concurrency, interleaved and rotated per round, queue pre-filled with addBulk. */
export async function benchWorkers(
  redisPort: number,
  {
    count,
    rounds,
    concurrency,
    log,
  }: { count: number; rounds: number; concurrency: number; log: (line: string) => void },
) {
  const admin = new Redis(redisPort);
  const redisServerPid = await redisPid(admin);
  const runs = new Map<string, WorkerRun[]>();
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const kind of roundOrder(KINDS, round)) {
        const queueName = `bench-worker-${round}`;
        await fillQueue(admin, redisPort, queueName, count, { name: kind.job, data: kind.data });
        const result = await runWorker(
          {
            KIND: kind.kind,
            QUEUE_NAME: queueName,
            REDIS_PORT: String(redisPort),
            CONCURRENCY: String(concurrency),
            ...('env' in kind ? kind.env : {}),
          },
          count,
          redisServerPid,
        );
        runs.set(kind.name, [...(runs.get(kind.name) ?? []), result]);
        log(`round ${round} ${kind.name}: ${describeRun(result)}`);
      }
    }
  } finally {
    await admin.flushall();
    admin.disconnect();
  }
  return runs;
}
