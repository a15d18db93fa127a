import { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { RedisConnectionConfig } from '../config/schema.js';
import { producerRedisOptions } from '../redis/connection-options.js';
import type { QueueLocation } from './job-queue.js';

/**
 * A Queue for reads an operator triggers (the dashboard, a metrics scrape):
 * on a fail-fast connection, so they answer at once while Redis is down
 * instead of hanging. The process's own client reports outages; this one only
 * keeps the Queue from throwing.
 * @example const queue = createFailFastQueue(location, config.cache.redis.jobqueue, logger, 'dashboard');
 */
export function createFailFastQueue(
  location: QueueLocation,
  redis: RedisConnectionConfig,
  logger: Logger,
  what: string,
): Queue {
  const queue = new Queue(location.name, { connection: producerRedisOptions(redis), prefix: location.prefix });
  queue.on('error', (error) => logger.debug({ err: error }, `${what} queue connection error`));
  return queue;
}
