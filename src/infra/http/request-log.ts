import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';

/** One log line per request: method, path, status and duration (debug level for 2xx/3xx). */
export function requestLog(logger: Logger): MiddlewareHandler {
  return async function requestLogMiddleware(c, next) {
    const started = performance.now();
    await next();
    const status = c.res.status;
    const entry = { method: c.req.method, path: c.req.path, status, ms: Math.round(performance.now() - started) };
    if (status === 500) logger.error(entry, 'request failed');
    else if (status >= 500) logger.warn(entry, 'request not served');
    else if (status >= 400) logger.info(entry, 'request rejected');
    else logger.debug(entry, 'request');
  };
}
