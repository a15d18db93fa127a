// Resists password guessing: 429 after `failures` wrong tries; the right password spends nothing.
import type { MiddlewareHandler } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { HTTPException } from 'hono/http-exception';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { BasicCredentials } from '../config/schema.js';
import { tooManyRequests } from './problem.js';
import { socketAddress } from './serve.js';

export function throttledBasicAuth(
  credentials: BasicCredentials & { realm: string },
  { failures = 10, seconds = 60 } = {},
): MiddlewareHandler {
  const auth = basicAuth(credentials);
  const failed = new RateLimiterMemory({ points: failures, duration: seconds });
  return async function throttledBasicAuthMiddleware(c, next) {
    const client = socketAddress(c) ?? 'unknown';
    const spent = await failed.get(client);
    if (spent && spent.consumedPoints >= failures) {
      return tooManyRequests(c, spent.msBeforeNext, (s) => `Too many failed logins from this address; retry in ${s} s`);
    }
    try {
      await auth(c, next);
    } catch (error) {
      if (error instanceof HTTPException && error.status === 401) await failed.penalty(client, 1);
      throw error;
    }
  };
}
