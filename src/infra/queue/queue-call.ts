import type { Logger } from 'pino';
import { QueueUnavailableError } from '../../jobs/job-producer.js';
import type { RedisErrorReporter } from '../log/redis-error-reporter.js';
import { isRedisConnectionError, isRedisReplyError } from '../redis/connection-error.js';
import type { LazyQueue } from './lazy-queue.js';
import { NOT_CONNECTED, unavailableReason } from './redis-unavailable.js';

export interface QueueCallContext {
  queue: LazyQueue;
  logger: Logger;
  /** Reports command timeouts, which emit no `error` event on the client. */
  redisErrors?: Pick<RedisErrorReporter, 'error'> | undefined;
}

/**
 * Runs a request-time Redis call the fail-fast way: rejects at once while the
 * client is not connected, and turns any Redis failure into
 * QueueUnavailableError (503) — `failure` names it ("Redis could not read the
 * job"). Errors that are not Redis's (a bug) pass through as they are (500).
 * @example await queueCall(context, 'Redis could not read the job', () => queue.current().getJob(id));
 */
export async function queueCall<T>(
  { queue, logger, redisErrors }: QueueCallContext,
  failure: string,
  call: () => Promise<T>,
  logFields: object = {},
): Promise<T> {
  const { client } = queue;
  if (client.status !== 'ready') throw new QueueUnavailableError(NOT_CONNECTED);
  try {
    return await call();
  } catch (error) {
    if (isRedisConnectionError(error)) redisErrors?.error(error);
    // Redis answered with an error: a fault worth seeing every time.
    else if (isRedisReplyError(error)) logger.error({ err: error, ...logFields }, failure);
    else throw error;
    throw new QueueUnavailableError(unavailableReason(client, error, failure), { cause: error });
  }
}
