/**
 * Two hand-written stand-ins for Hono built-ins, kept because they save far more than a fifth of
 * a register request's server CPU under @hono/node-server (bench/README.md has the A/B):
 * Hono's `bodyLimit` reads `c.req.raw`, and its `cors` sets headers
 * on `c.res` before the route runs; either makes the Node adapter build a full web Request or
 * Response for every request. Each hands over to the built-in wherever the shortcut does not apply.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { AppConfig } from '../config/schema.js';

/**
 * 413 for bodies over `maxBytes`: a declared Content-Length is checked from the header alone
 * (Node's HTTP parser holds the body to it); any other body is counted as it streams, by Hono's bodyLimit.
 * @example app.use('/api/*', bodyLimitByHeader(16_384, (c) => c.text('too large', 413)))
 */
export function bodyLimitByHeader(maxBytes: number, onError: (c: Context) => Response): MiddlewareHandler {
  const streaming = bodyLimit({ maxSize: maxBytes, onError });
  return async function bodyLimitByHeaderMiddleware(c, next) {
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return streaming(c, next);
    if (Number(length) > maxBytes) return onError(c);
    await next();
  };
}

/**
 * CORS for the configured origins: preflights are answered by Hono's `cors`; an actual request of
 * an allowed origin gets the same headers through `c.header` before the route runs. Another
 * origin gets no `Access-Control-Allow-Origin`, so the browser blocks the call.
 * @example app.use('/api/*', corsByHeader(config.app.api.cors))
 */
export function corsByHeader(settings: AppConfig['api']['cors']): MiddlewareHandler {
  const allowed = new Set(settings.allowed_origins);
  const exposed = settings.exposed_headers.join(',');
  const preflight = cors({
    origin: settings.allowed_origins,
    allowMethods: settings.allowed_methods,
    allowHeaders: settings.allowed_headers,
    exposeHeaders: settings.exposed_headers,
    credentials: settings.allow_credentials,
    maxAge: settings.max_age_seconds,
  });
  return async function corsByHeaderMiddleware(c, next) {
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    const origin = c.req.header('origin');
    if (origin !== undefined && allowed.has(origin)) {
      c.header('Access-Control-Allow-Origin', origin);
      if (settings.allow_credentials) c.header('Access-Control-Allow-Credentials', 'true');
      if (exposed) c.header('Access-Control-Expose-Headers', exposed);
      c.header('Vary', 'Origin', { append: true });
    }
    await next();
  };
}
