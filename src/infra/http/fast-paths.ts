// Hono's bodyLimit and cors make the Node adapter build a full web Request/Response (bench/README.md has the A/B).
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { AppConfig } from '../config/schema.js';

/** A declared Content-Length is checked from the header alone (Node's HTTP parser holds the body to it). */
export function bodyLimitByHeader(maxBytes: number, onError: (c: Context) => Response): MiddlewareHandler {
  const streaming = bodyLimit({ maxSize: maxBytes, onError });
  return async function bodyLimitByHeaderMiddleware(c, next) {
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return streaming(c, next);
    if (Number(length) > maxBytes) return onError(c);
    await next();
  };
}

/** Preflights go to Hono's `cors`; another origin gets no `Access-Control-Allow-Origin`, so the browser blocks it. */
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
