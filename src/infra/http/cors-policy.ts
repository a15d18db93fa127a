import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppConfig } from '../config/schema.js';

export type CorsSettings = AppConfig['api']['cors'];

/**
 * CORS for the configured origins only. Preflights of an allowed origin are
 * answered by Hono's `cors` middleware. An actual request of an allowed origin
 * gets the same response headers set with `c.header`: Hono's middleware sets
 * them on `c.res` before the route runs, which makes Hono build a full web
 * Response for every request, and that showed as the largest cost of a
 * register call in the bench's profile. A request from another origin gets no
 * `Access-Control-*` header at all (Hono's middleware would still send the
 * credentials and exposed-headers ones), and its preflight is answered 204
 * here, so the browser blocks the call and nothing behind this middleware
 * (rate limit, authentication) sees it.
 * @example app.use('/api/*', corsPolicy(config.app.api.cors));
 */
export function corsPolicy(settings: CorsSettings): MiddlewareHandler {
  const allowed = new Set(settings.allowed_origins);
  const exposed = settings.exposed_headers.join(',');
  const allowedCors = cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: settings.allowed_methods,
    allowHeaders: settings.allowed_headers,
    exposeHeaders: settings.exposed_headers,
    credentials: settings.allow_credentials,
    maxAge: settings.max_age_seconds,
  });
  return async function corsPolicyMiddleware(c, next) {
    const origin = c.req.header('origin');
    const preflight = c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined;
    if (origin !== undefined && allowed.has(origin)) {
      if (preflight) return allowedCors(c, next);
      c.header('Access-Control-Allow-Origin', origin);
      if (settings.allow_credentials) c.header('Access-Control-Allow-Credentials', 'true');
      if (exposed) c.header('Access-Control-Expose-Headers', exposed);
      // Before the route: a header set after it makes Hono copy the finished Response.
      c.header('Vary', 'Origin', { append: true });
      await next();
      return;
    }
    if (origin !== undefined && preflight) {
      c.header('Vary', 'Origin');
      return c.body(null, 204);
    }
    await next();
  };
}
