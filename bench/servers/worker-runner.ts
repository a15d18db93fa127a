/**
 * Runs one worker until COUNT jobs completed, then prints a JSON line:
 * { ms, cpuMs, rssIdleMiB, rssAfterMiB, lateness: number[] } (cpuMs: this process's CPU time while it worked).
 * KIND=ours (our createJobWorker, real logger to /dev/null) | raw (a plain BullMQ Worker).
 * For A/B experiments on the raw worker: RAW_REMOVE_ON_COMPLETE (JSON, BullMQ's
 * removeOnComplete), RAW_LOG=1 (one pino line per completed job to /dev/null) and RAW_VALIDATE=1 (the payload
 * parsed with the job type's valibot schema, as ours does).
 */
import { openSync, writeSync } from 'node:fs';
import { Queue, Worker, type Job, type KeepJobs } from 'bullmq';
import { pino } from 'pino';
import * as v from 'valibot';
import { createJobWorker } from '../../src/infra/queue/bullmq-worker.js';
import { workerRedisOptions } from '../../src/infra/redis/connection.js';
import { createJobRegistry, jobDefinitions } from '../../src/jobs/registry.js';
import { benchNoop } from '../jobs/bench-noop.js';
import { redisConfigFor } from '../../test/helpers/redis-config.js';
import { rssMiB } from '../lib/rss.js';
import { benchEnv } from './env.js';

const { redisPort, queueName } = benchEnv();
const kind = process.env.KIND ?? 'ours';
const count = Number(process.env.COUNT ?? '10000');
const concurrency = Number(process.env.CONCURRENCY ?? '16');
const devNull = openSync('/dev/null', 'w');
// BENCH_CLIENT_OPTIONS (JSON, experiments) overrides client options, e.g. '{"enableAutoPipelining":true}'.
const connection = {
  ...workerRedisOptions(redisConfigFor(redisPort)),
  ...(JSON.parse(process.env.BENCH_CLIENT_OPTIONS ?? '{}') as object),
};

let completed = 0;
const lateness: number[] = [];
let finish: () => void = () => undefined;
const done = new Promise<void>((resolve) => (finish = resolve));
function onCompleted(job: Job): void {
  if (job.processedOn !== undefined && job.opts.delay)
    lateness.push(job.processedOn - (job.timestamp + job.opts.delay));
  completed += 1;
  if (completed === count) finish();
}

let run: () => Promise<void>;
let close: () => Promise<void>;
if (kind === 'raw') {
  const removeOnComplete = process.env.RAW_REMOVE_ON_COMPLETE
    ? (JSON.parse(process.env.RAW_REMOVE_ON_COMPLETE) as KeepJobs)
    : undefined;
  const validate = process.env.RAW_VALIDATE === '1';
  const worker = new Worker(
    queueName,
    async (job: Job) => void (validate && v.parse(benchNoop.payloadSchema, job.data)),
    {
      connection,
      concurrency,
      autorun: false,
      ...(removeOnComplete === undefined ? {} : { removeOnComplete }),
    },
  );
  const log =
    process.env.RAW_LOG === '1' ? pino({ level: 'info' }, pino.destination({ fd: devNull, sync: false })) : undefined;
  worker.on('completed', (job) => {
    log?.info({ jobId: job.id, jobType: job.name, attempt: job.attemptsMade }, 'job completed');
    onCompleted(job);
  });
  await worker.waitUntilReady();
  run = () => worker.run();
  close = () => worker.close();
} else {
  // Our worker reports completions only through its log: count them there, as an operator's log shipper would.
  const logger = pino(
    { level: 'info' },
    {
      write(line: string) {
        if (!line.includes('"msg":"job completed"')) return;
        const late = /"lateMs":(-?\d+)/.exec(line)?.[1];
        if (late !== undefined) lateness.push(Number(late));
        completed += 1;
        if (completed === count) finish();
      },
    },
  );
  const worker = createJobWorker({
    location: { name: queueName, prefix: 'bull' },
    connection,
    redisLabel: `127.0.0.1:${redisPort}`,
    registry: createJobRegistry([...jobDefinitions, benchNoop]),
    jobDeps: { print: (line) => writeSync(devNull, `${line}\n`), now: () => new Date(), logger },
    settings: {
      concurrency,
      keep_completed: { count: 1000, age_seconds: 86_400 },
      keep_failed: { count: 5000, age_seconds: 604_800 },
    },
    logger: logger.child({ kind }),
  });
  run = () => worker.run();
  close = () => worker.close();
}
const rssIdleMiB = rssMiB(process.pid);
const started = performance.now();
const cpuBefore = process.cpuUsage();
void run();
// DELAYED_SPREAD_MS (the delay bench): COUNT delayed jobs are registered once the worker runs, due evenly
// over that many ms from 2 s later, as the API registers them while workers are up.
if (process.env.DELAYED_SPREAD_MS) {
  const spreadMs = Number(process.env.DELAYED_SPREAD_MS);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const queue = new Queue(queueName, { connection: { host: '127.0.0.1', port: redisPort } });
  const firstDue = Date.now() + 2000;
  await queue.addBulk(
    Array.from({ length: count }, (_, i) => ({
      name: 'bench:noop',
      data: { n: i },
      opts: { delay: firstDue + Math.floor((i * spreadMs) / count) - Date.now() },
    })),
  );
  await queue.close();
}
await done;
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const cpuMs = (cpu.user + cpu.system) / 1000;
const rssAfterMiB = rssMiB(process.pid);
await close();
process.stdout.write(`${JSON.stringify({ ms, cpuMs, rssIdleMiB, rssAfterMiB, lateness })}\n`);
process.exit(0);
