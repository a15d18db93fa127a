import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { TrustProxy } from '../rate-limit/rate-limiter.js';

function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    // app.request() in tests has no socket.
    return undefined;
  }
}

/**
 * The client's IP address. With proxies trusted, the address the nearest
 * trusted proxy saw is taken from the right of X-Forwarded-For: entries to
 * its left were written by the client and may be forged.
 * @example clientIp(c, 1) // 'X-Forwarded-For: 6.6.6.6, 203.0.113.7' from the proxy -> '203.0.113.7'
 */
export function clientIp(c: Context, trustProxy: TrustProxy): string {
  const socket = socketAddress(c) ?? 'unknown';
  const hops = trustProxy === true ? 1 : trustProxy === false ? 0 : trustProxy;
  if (hops <= 0) return socket;
  const forwarded = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (forwarded.length > 0) return forwarded[Math.max(forwarded.length - hops, 0)] ?? socket;
  return c.req.header('x-real-ip')?.trim() || socket;
}
