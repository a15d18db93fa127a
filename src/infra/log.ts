import type { MiddlewareHandler } from 'hono';
import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';
import { isRedisConnectionError } from './redis/connection.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  name: string;
  level: LevelWithSilent;
  /** `pretty` loads the dev dependency pino-pretty; production uses `json`. */
  format: 'pretty' | 'json';
}

async function destination(fd: 1 | 2, format: LoggerOptions['format']): Promise<DestinationStream> {
  if (format === 'json') return pino.destination({ fd, sync: true });
  const { default: pretty } = await import('pino-pretty');
  return pretty({
    destination: fd,
    sync: true,
    colorize: process.stdout.isTTY,
    ignore: 'pid,hostname',
    singleLine: true,
  });
}

/**
 * A pino logger that writes info and below to stdout, warn and above to stderr,
 * so operators can alert on stderr alone (the contract puts failures there).
 * @example const logger = await createLogger({ name: 'api', level: 'info', format: 'json' });
 */
export async function createLogger(options: LoggerOptions): Promise<Logger> {
  const streams = pino.multistream(
    [
      { level: 'trace', stream: await destination(1, options.format) },
      { level: 'warn', stream: await destination(2, options.format) },
    ],
    { dedupe: true },
  );
  return pino({ name: options.name, level: options.level }, streams);
}

/** A logger that drops everything: for tests that do not look at logs. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Logs the first error of an outage and the recovery, not every retry: a Redis that is down for an
 * hour must not write thousands of identical lines.
 * @example const outage = createOutageLog(logger, 'job-queue Redis at localhost:6379');
 *          client.on('error', outage.error); client.on('ready', outage.recovered);
 */
export function createOutageLog(logger: Logger, what: string, consequence = 'retrying in the background') {
  let down = false;
  let reachable = false;
  let since = 0;
  /** An outage started: logged once, however many failures follow. */
  const failed = (error: unknown): void => {
    reachable = false;
    if (down) return;
    down = true;
    since = Date.now();
    const reason = error instanceof Error ? error.message : String(error);
    logger.warn({ err: error }, `${what} is not reachable (${reason}); ${consequence}`);
  };
  return {
    failed,
    /** For `error` events: a lost connection is an outage; any other error (a script, a lock, ACL) is logged every time. */
    error: (error: unknown): void => {
      if (isRedisConnectionError(error)) failed(error);
      else logger.error({ err: error }, `${what}: ${error instanceof Error ? error.message : String(error)}`);
    },
    /** For `ready` events: logs the end of an outage, once. */
    recovered: (): void => {
      reachable = true;
      if (!down) return;
      down = false;
      logger.info({ downtimeMs: Date.now() - since }, `${what} is reachable again`);
    },
    /** True after a `ready` and until the next connection error: for `/ready`. */
    isReachable: () => reachable,
  };
}

export type OutageLog = ReturnType<typeof createOutageLog>;

/**
 * One log line per request: debug for a 2xx/3xx of the API (trace for pages, files, probes and
 * scrapes: ten per page load); info for 4xx and for a 503, whose outage the Redis
 * client reports once (a warning per answer would be an alert storm); error for a 500.
 */
export function requestLog(logger: Logger): MiddlewareHandler {
  return async function requestLogMiddleware(c, next) {
    const started = performance.now();
    await next();
    const { status } = c.res;
    const ms = Math.round(performance.now() - started);
    const entry = { requestId: c.get('requestId'), method: c.req.method, path: c.req.path, status, ms };
    if (status === 500) logger.error(entry, 'request failed');
    else if (status === 503) logger.info(entry, 'request not served: job queue unavailable');
    else if (status >= 500) logger.warn(entry, 'request not served');
    else if (status >= 400) logger.info(entry, 'request rejected');
    else if (c.req.path.startsWith('/api/')) logger.debug(entry, 'request');
    else logger.trace(entry, 'request');
  };
}
