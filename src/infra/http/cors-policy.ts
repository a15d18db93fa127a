import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppConfig } from '../config/schema.js';

export type CorsSettings = AppConfig['api']['cors'];

/**
 * Hono's `cors` middleware for the configured origins only. A request from
 * another origin gets no `Access-Control-*` header at all (Hono's middleware
 * would still send the credentials and exposed-headers ones), and its
 * preflight is answered 204 here, so the browser blocks the call and nothing
 * behind this middleware (rate limit, authentication) sees it.
 * @example app.use('/api/*', corsPolicy(config.app.api.cors));
 */
export function corsPolicy(settings: CorsSettings): MiddlewareHandler {
  const allowed = new Set(settings.allowed_origins);
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
    if (origin !== undefined && allowed.has(origin)) return allowedCors(c, next);
    if (origin !== undefined && c.req.method === 'OPTIONS' && c.req.header('access-control-request-method')) {
      c.header('Vary', 'Origin');
      return c.body(null, 204);
    }
    await next();
  };
}
