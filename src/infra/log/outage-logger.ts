import type { Logger } from 'pino';

/**
 * Logs the first error of an outage and the recovery, not every retry: a Redis
 * that is down for an hour must not write thousands of identical lines.
 * @example const outage = createOutageLogger(logger, 'job-queue Redis at localhost:6379');
 *          client.on('error', outage.failed); client.on('ready', outage.recovered);
 */
export function createOutageLogger(logger: Logger, what: string, consequence = 'retrying in the background') {
  let down = false;
  let since = 0;
  return {
    failed: (error: unknown): void => {
      if (down) return;
      down = true;
      since = Date.now();
      const reason = error instanceof Error ? error.message : String(error);
      logger.warn({ err: error }, `${what} is not reachable (${reason}); ${consequence}`);
    },
    recovered: (): void => {
      if (!down) return;
      down = false;
      logger.info({ downtimeMs: Date.now() - since }, `${what} is reachable again`);
    },
    get isDown(): boolean {
      return down;
    },
  };
}
