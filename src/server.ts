/**
 * HTTP API entry: loads the configuration, creates the real clients and wires
 * them into the app. Starts even when Redis is down (D11).
 */
import { Redis } from 'ioredis';
import { createApp } from './app.js';
import { loadConfig } from './infra/config/load-config.js';
import { reportStartupFailure } from './infra/fatal.js';
import { startHttpServer } from './infra/http/serve.js';
import { createLogger } from './infra/log/logger.js';
import { createOutageLogger } from './infra/log/outage-logger.js';
import { createBullmqProducer } from './infra/queue/bullmq-producer.js';
import { createBullmqStatusReader } from './infra/queue/bullmq-status-reader.js';
import { createLazyQueue } from './infra/queue/lazy-queue.js';
import { producerRedisOptions } from './infra/redis/connection-options.js';
import { rateLimitFromConfig } from './infra/rate-limit/rate-limit-from-config.js';
import { onShutdownSignal } from './infra/shutdown.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = await createLogger({ name: 'api', ...config.app.log });
  const redisConfig = config.cache.redis.jobqueue;
  const redisLabel = `${redisConfig.addr.host}:${redisConfig.addr.port}`;

  const client = new Redis(producerRedisOptions(redisConfig));
  const outage = createOutageLogger(logger, `job-queue Redis at ${redisLabel}`, 'registering a job answers 503 until it is back');
  client.on('error', outage.failed);
  client.on('ready', outage.recovered);
  const queue = createLazyQueue({ client, queueName: config.app.jobqueue.queue_name, logger });
  const producer = createBullmqProducer({ queue, logger });
  const statusReader = createBullmqStatusReader({ queue, logger });

  const rateLimit = rateLimitFromConfig(config, logger);

  const app = createApp({
    producer,
    statusReader,
    logger,
    bodyLimitBytes: config.app.server.body_limit_bytes,
    ...(rateLimit.options ? { rateLimit: rateLimit.options } : {}),
  });
  const server = await startHttpServer(app, config.app.server);
  logger.info({ env: config.env, redis: redisLabel }, `API listening on http://${config.app.server.host}:${server.port}`);

  onShutdownSignal(
    async () => {
      await server.close();
      await queue.close();
      client.disconnect();
      rateLimit.close();
    },
    { logger, timeoutMs: 10_000 },
  );
}

main().catch((error: unknown) => reportStartupFailure('API server', error));
