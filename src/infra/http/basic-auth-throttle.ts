/**
 * Basic auth that resists password guessing (an optional hardening of /metrics and the dashboard):
 * Hono's basicAuth (constant-time compare), with failed attempts counted per client address. After
 * `failures` wrong tries within `seconds`, every try answers 429 with Retry-After until the window
 * passes; the right password spends nothing, so scrapes are never slowed.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { MiddlewareHandler } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { HTTPException } from 'hono/http-exception';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { BasicCredentials } from '../config/schema.js';
import { PROBLEM_TYPES, problemResponse } from './problem.js';

export function throttledBasicAuth(
  credentials: BasicCredentials & { realm: string },
  { failures = 10, seconds = 60 } = {},
): MiddlewareHandler {
  const auth = basicAuth(credentials);
  const failed = new RateLimiterMemory({ points: failures, duration: seconds });
  return async function throttledBasicAuthMiddleware(c, next) {
    let client = 'unknown';
    try {
      client = getConnInfo(c).remote.address ?? client;
    } catch {
      // app.request() in tests has no socket.
    }
    const spent = await failed.get(client);
    if (spent && spent.consumedPoints >= failures) {
      const retryAfter = Math.max(1, Math.ceil(spent.msBeforeNext / 1000));
      const detail = `Too many failed logins from this address; retry in ${retryAfter} s`;
      const problem = { type: PROBLEM_TYPES.rateLimited, title: 'Too Many Requests', status: 429, detail } as const;
      return problemResponse(c, { ...problem, retry_after_seconds: retryAfter }, { 'Retry-After': String(retryAfter) });
    }
    try {
      await auth(c, next);
    } catch (error) {
      if (error instanceof HTTPException && error.status === 401) await failed.penalty(client, 1);
      throw error;
    }
  };
}
