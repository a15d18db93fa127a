import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** Fails on the first invalid byte instead of turning it into U+FFFD (which would change the caller's text unseen). */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * What Hono's JSON validator leaves to us: a body that is not JSON is ignored there (the fields
 * would take their defaults), so it is refused here with 415; and a body that is not valid UTF-8
 * (RFC 8259 §8.1) would be decoded leniently, so it is refused with 400. A request with no body
 * passes: every field of our bodies is optional, so `curl -X POST` works.
 * @example app.use('/api/*', strictJson())
 */
export function strictJson(): MiddlewareHandler {
  return async function strictJsonMiddleware(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]?.trim() ?? '';
    // Reading is bounded by the body-limit middleware; Hono caches the bytes for the validator.
    const body = await c.req.arrayBuffer();
    if (body.byteLength === 0) return next();
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      throw new HTTPException(415, {
        message: `Content-Type must be application/json, not "${mediaType || '(none)'}"`,
      });
    }
    try {
      STRICT_UTF8.decode(body);
    } catch {
      throw new HTTPException(400, { message: 'The request body is not valid UTF-8' });
    }
    await next();
  };
}
