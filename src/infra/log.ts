import type { MiddlewareHandler } from 'hono';
import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';
import { isRedisConnectionError } from './redis/connection.js';

export type { Logger } from 'pino';

async function destination(fd: 1 | 2, format: 'pretty' | 'json'): Promise<DestinationStream> {
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

/** Info and below to stdout, warn and above to stderr: operators can alert on stderr alone (failures go there). */
export async function createLogger(options: { name: string; level: LevelWithSilent; format: 'pretty' | 'json' }) {
  const streams = [
    { level: 'trace' as const, stream: await destination(1, options.format) },
    { level: 'warn' as const, stream: await destination(2, options.format) },
  ];
  return pino({ name: options.name, level: options.level }, pino.multistream(streams, { dedupe: true }));
}

export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Logs an outage's first error and its end, not every retry: an hour down must not write thousands of lines. */
export function createOutageLog(logger: Logger, what: string, consequence = 'retrying in the background') {
  let down = false;
  let reachable = false;
  let since = 0;
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
    error: (error: unknown): void => {
      if (isRedisConnectionError(error)) failed(error);
      else logger.error({ err: error }, `${what}: ${error instanceof Error ? error.message : String(error)}`);
    },
    recovered: (): void => {
      reachable = true;
      if (!down) return;
      down = false;
      logger.info({ downtimeMs: Date.now() - since }, `${what} is reachable again`);
    },
    isReachable: () => reachable,
  };
}

export type OutageLog = ReturnType<typeof createOutageLog>;

/** A 503 logs at info: the Redis client reports its outage once (no alert storm). */
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
