/** Worker entry (`node dist/worker.js`); starts even when Redis is down, exits 1 when it cannot start or fails. */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { settingsOf, type Extra, type WorkerExtension } from './extras/extra.js';
import { EXTRAS } from './infra/config/load-config.js';
import type { Config } from './infra/config/schema.js';
import { startHttpServer, type RunningServer } from './infra/http/serve.js';
import { runProcess, type Service } from './infra/process.js';
import { queueLocation } from './infra/queue/bullmq-queue.js';
import { createJobWorker, type JobEvents, type JobWorker } from './infra/queue/bullmq-worker.js';
import { redisLabel, workerRedisOptions } from './infra/redis/connection.js';
import type { AnyJobDefinition, JobDeps } from './jobs/job.js';
import { createJobRegistry, jobDefinitions, type CoveringRegistry } from './jobs/registry.js';
import { createHealthRoutes } from './routes/health.js';

/** Time to move handed-back jobs to waiting after the shutdown timeout, before the process gives up and exits 1. */
const HAND_BACK_GRACE_MS = 5000;

export function createWorkerService<D extends AnyJobDefinition>(options: {
  config: Config;
  logger: Logger;
  jobDeps: JobDeps;
  /** The job types it runs: every registered one (the default), and test-only ones beside them. */
  definitions?: CoveringRegistry<D>;
  extras?: readonly Extra[];
}) {
  const { config, logger, jobDeps, extras = EXTRAS } = options;
  const definitions: readonly AnyJobDefinition[] = options.definitions ?? jobDefinitions;
  const { jobqueue } = config.app;
  const redis = config.cache.redis.jobqueue;
  const location = queueLocation(jobqueue);
  let worker: JobWorker | undefined;
  let health: RunningServer | undefined;
  let extensions: WorkerExtension[] = [];
  let onFailure: (error: unknown) => void = () => undefined;
  let stopping: Promise<void> | undefined;
  return {
    onFailure(callback: (error: unknown) => void) {
      onFailure = callback;
    },
    async start() {
      const isReady = () => worker?.isReady() ?? false;
      const app = new Hono().route('/', createHealthRoutes(isReady));
      extensions = extras.flatMap(
        (extra) => extra.worker?.({ config, logger, settings: settingsOf(extra, config), definitions }) ?? [],
      );
      for (const { mount } of extensions) mount?.(app);
      const listeners = extensions.flatMap(({ events }) => events ?? []);
      const events: JobEvents = {
        completed: (...args) => listeners.forEach((each) => each.completed(...args)),
        failed: (...args) => listeners.forEach((each) => each.failed(...args)),
        stalled: () => listeners.forEach((each) => each.stalled()),
        cancelled: (jobType) => listeners.forEach((each) => each.cancelled?.(jobType)),
        expired: (jobType) => listeners.forEach((each) => each.expired?.(jobType)),
      };
      const setting = `JOBQUEUE_PORT (jobqueue.port in config/${config.env}/config.yaml)`;
      health = await startHttpServer(app, { host: jobqueue.host, port: jobqueue.port, setting });
      worker = createJobWorker({
        location,
        connection: workerRedisOptions(redis),
        redisLabel: redisLabel(redis),
        registry: createJobRegistry<AnyJobDefinition>(definitions),
        jobDeps,
        settings: jobqueue,
        handBackAfterMs: jobqueue.shutdown_timeout_seconds * 1000,
        logger,
        events,
      });
      worker.run().catch((error: unknown) => onFailure(error));
      const { queue_name: queue, prefix, concurrency } = jobqueue;
      const where = `health on http://${jobqueue.host}:${health.port}/health`;
      logger.info({ env: config.env, queue, prefix, concurrency }, `worker started; ${where}`);
    },
    stop() {
      stopping ??= (async () => {
        await worker?.close();
        await health?.close();
        for (const extension of extensions) await extension.stop?.();
      })();
      return stopping;
    },
  } satisfies Service & Record<string, unknown>;
}

export async function runWorker<D extends AnyJobDefinition>(definitions: CoveringRegistry<D>): Promise<void> {
  await runProcess({ name: 'worker', logName: 'worker' }, (config, logger) => ({
    service: createWorkerService({
      config,
      logger,
      definitions,
      jobDeps: { print: (line) => void process.stdout.write(`${line}\n`), now: () => new Date(), logger },
    }),
    // Running jobs get shutdown_timeout_seconds, then the ones still running are handed back.
    shutdownTimeoutMs: config.app.jobqueue.shutdown_timeout_seconds * 1000 + HAND_BACK_GRACE_MS,
  }));
}

// Run when started as the entry, not when a test entry imports runWorker.
const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(realpathSync(entry)).href) await runWorker(jobDefinitions);
