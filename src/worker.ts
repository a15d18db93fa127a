/**
 * Worker entry: runs the jobs registered through the API, and serves
 * `GET /health` on `jobqueue.port`. Starts even when Redis is down.
 */
import { createHealthRoutes } from './routes/health.js';
import { createJobRegistry } from './jobs/registry.js';
import { loadConfig } from './infra/config/load-config.js';
import { reportStartupFailure } from './infra/fatal.js';
import { startHttpServer } from './infra/http/serve.js';
import { createLogger } from './infra/log/logger.js';
import { createJobWorker } from './infra/queue/job-worker.js';
import { workerRedisOptions } from './infra/redis/connection-options.js';
import { onShutdownSignal } from './infra/shutdown.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = await createLogger({ name: 'worker', ...config.app.log });
  const { jobqueue } = config.app;
  const redisConfig = config.cache.redis.jobqueue;

  const worker = createJobWorker({
    queueName: jobqueue.queue_name,
    connection: workerRedisOptions(redisConfig),
    redisLabel: `${redisConfig.addr.host}:${redisConfig.addr.port}`,
    registry: createJobRegistry(),
    jobDeps: { print: (line) => process.stdout.write(`${line}\n`), now: () => new Date(), logger },
    concurrency: jobqueue.concurrency,
    retention: jobqueue,
    logger,
  });
  const health = await startHttpServer(createHealthRoutes(), { host: jobqueue.host, port: jobqueue.port });

  onShutdownSignal(
    async () => {
      await worker.close();
      await health.close();
    },
    { logger, timeoutMs: jobqueue.shutdown_timeout_seconds * 1000 },
  );

  logger.info(
    { env: config.env, queue: jobqueue.queue_name, concurrency: jobqueue.concurrency },
    `worker started; health on http://${jobqueue.host}:${health.port}/health`,
  );
  await worker.run();
}

main().catch((error: unknown) => reportStartupFailure('worker', error));
