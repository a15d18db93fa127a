import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as streamingBodyLimit } from 'hono/body-limit';
import { PROBLEM_TYPES, problemResponse } from './problem.js';

/**
 * 413 for bodies over `maxBytes`. A declared Content-Length is checked from the
 * header alone (Node's HTTP parser holds the body to it); any other body is
 * counted as it streams, with Hono's bodyLimit. The split matters for speed:
 * Hono's bodyLimit reads `c.req.raw.body`, which makes @hono/node-server build
 * a full web Request for every request (a large share of a register call's CPU;
 * bench/README.md has the profile).
 * @example app.use('/api/*', bodyLimitBytes(16_384))
 */
export function bodyLimitBytes(maxBytes: number): MiddlewareHandler {
  const tooLarge = (c: Context) =>
    problemResponse(c, {
      type: PROBLEM_TYPES.http,
      title: 'Content Too Large',
      status: 413,
      detail: `The request body must be at most ${maxBytes} bytes`,
    });
  const streaming = streamingBodyLimit({ maxSize: maxBytes, onError: tooLarge });

  return async function bodyLimitMiddleware(c, next) {
    const length = c.req.header('content-length');
    if (length === undefined) return streaming(c, next);
    if (Number(length) > maxBytes) return tooLarge(c);
    await next();
  };
}
