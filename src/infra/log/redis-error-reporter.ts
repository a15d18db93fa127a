import type { Logger } from 'pino';
import { isRedisConnectionError } from '../redis/connection-error.js';
import { createOutageLogger } from './outage-logger.js';

export interface RedisErrorReporter {
  /** For `error` events: an outage is logged once when it starts; any other error every time, as what it is. */
  error(this: void, error: unknown): void;
  /** For `ready` events: logs the end of an outage, once. */
  recovered(this: void): void;
  /** True after a `ready` and until the next connection error: for `/ready`. */
  isReachable(this: void): boolean;
}

/**
 * Tells a lost connection from a real fault: `could not renew lock for job X`
 * or a script error is not "Redis is not reachable", and a thousand reconnect
 * attempts are one outage, not a thousand warnings.
 * @example const report = createRedisErrorReporter(logger, 'job-queue Redis at localhost:6379');
 *          client.on('error', report.error); client.on('ready', report.recovered);
 */
export function createRedisErrorReporter(logger: Logger, what: string, consequence?: string): RedisErrorReporter {
  const outage = createOutageLogger(logger, what, consequence);
  let reachable = false;
  return {
    error(error) {
      if (isRedisConnectionError(error)) {
        reachable = false;
        outage.failed(error);
      } else {
        logger.error({ err: error }, `${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    recovered() {
      reachable = true;
      outage.recovered();
    },
    isReachable: () => reachable,
  };
}
