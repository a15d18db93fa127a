import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';

/**
 * One log line per request: method, path, status and duration. Debug for
 * 2xx/3xx; info for 4xx and for a 503, whose outage is already reported once
 * by the Redis client (a warning per answer would be an alert storm); error for a 500.
 */
export function requestLog(logger: Logger): MiddlewareHandler {
  return async function requestLogMiddleware(c, next) {
    const started = performance.now();
    await next();
    const status = c.res.status;
    // requestId is set by Hono's requestId middleware, which runs first.
    const entry = {
      requestId: c.get('requestId') as string | undefined,
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round(performance.now() - started),
    };
    if (status === 500) logger.error(entry, 'request failed');
    else if (status === 503) logger.info(entry, 'request not served: job queue unavailable');
    else if (status >= 500) logger.warn(entry, 'request not served');
    else if (status >= 400) logger.info(entry, 'request rejected');
    else logger.debug(entry, 'request');
  };
}
