import { isIPv6 } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRes, RateLimiterUnion, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config/schema.js';
import { tooManyRequests } from '../http/problem.js';
import { socketAddress } from '../http/serve.js';
import { createOutageLog, type OutageLog } from '../log.js';

export type CounterStore = (options: { points: number; duration: number; keyPrefix: string }) => RateLimiterAbstract;

const memoryStore: CounterStore = (options) => new RateLimiterMemory(options);
const FAIL_OPEN = 'requests are let through (fail-open) until it is back';

const WINDOWS = [
  { name: 'minute', seconds: 60, setting: 'requests_per_minute', header: 'X-RateLimit' },
  { name: 'hour', seconds: 3600, setting: 'requests_per_hour', header: 'X-RateLimit-Hour' },
] as const;

export type TrustProxy = boolean | number;

export interface RateLimitOptions {
  limiter: Pick<RateLimiterUnion, 'consume'>;
  windows: readonly { name: string; limit: number; keyPrefix: string; header: string }[];
  refused?: Pick<RateLimiterAbstract, 'consume'>; // 401s per IP, apart from valid keys' windows
  trustProxy: TrustProxy;
  clientIpHeader?: 'x-forwarded-for' | 'x-real-ip';
  outage: Pick<OutageLog, 'failed' | 'recovered'>;
}

type StoreChoice = { store?: CounterStore; label?: string; keyPrefix?: string };

export function createRateLimit(
  config: Config,
  logger: Logger,
  { store = memoryStore, label = 'memory', keyPrefix = 'dm-jobqueue:rl' }: StoreChoice = {},
): RateLimitOptions | undefined {
  const settings = config.app.api.rate_limit;
  if (!settings.enabled) return undefined;
  const windows = WINDOWS.filter(({ setting }) => settings[setting] > 0).map(({ name, setting, header, seconds }) => {
    return { name, limit: settings[setting], keyPrefix: `${keyPrefix}:${name}`, header, duration: seconds };
  });
  const limiters = windows.map(({ limit, duration, keyPrefix }) => store({ points: limit, duration, keyPrefix }));
  return {
    limiter: new RateLimiterUnion(...limiters),
    refused: store({ points: settings.requests_per_minute, duration: 60, keyPrefix: `${keyPrefix}:refused` }),
    windows,
    trustProxy: config.app.api.trust_proxy,
    clientIpHeader: config.app.api.client_ip_header,
    outage: createOutageLog(logger, `rate-limit store (${label})`, FAIL_OPEN),
  };
}

/** An IPv6 address as its /64 (one subscriber's block). */
export function rateLimitKey(address: string): string {
  const ip = address.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1] !== undefined || !isIPv6(ip)) return mapped?.[1] ?? address;
  const [left = [], right = []] = ip.split('::').map((part) => (part ? part.split(':') : []));
  const groups = [...left, ...Array<string>(Math.max(8 - left.length - right.length, 0)).fill('0'), ...right];
  const prefix = groups.slice(0, 4).map((group) => parseInt(group, 16).toString(16));
  return `${prefix.join(':')}::/64`;
}

/** With N proxies trusted, the N-th entry from the right of X-Forwarded-For (its left is the client's), or X-Real-IP. */
export function clientIp(c: Context, trustProxy: TrustProxy, header = 'x-forwarded-for'): string {
  const socket = socketAddress(c) ?? 'unknown';
  const hops = trustProxy === true ? 1 : trustProxy === false ? 0 : trustProxy;
  if (hops <= 0) return socket;
  const entries = (c.req.header(header) ?? '').split(',').map((entry) => entry.trim());
  const entry = header === 'x-real-ip' ? entries.at(-1) : entries[entries.length - hops];
  return entry || socket;
}

export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const { limiter, windows, trustProxy, clientIpHeader, outage } = options;
  return async function rateLimitMiddleware(c, next) {
    let counted: Record<string, unknown>;
    let exceeded = false;
    try {
      counted = await limiter.consume(rateLimitKey(clientIp(c, trustProxy, clientIpHeader)));
      outage.recovered();
    } catch (rejection) {
      // The union rejects with each refused window's RateLimiterRes, or with the store's Error.
      counted = rejection as Record<string, unknown>;
      const results = Object.values(counted);
      if (!results.some((result) => result instanceof RateLimiterRes)) {
        outage.failed(results.find((result) => result instanceof Error) ?? rejection);
        for (const { limit, header } of windows) c.header(`${header}-Limit`, String(limit));
        return next();
      }
      exceeded = true;
    }
    const over: { name: string; limit: number; ms: number }[] = [];
    for (const { name, limit, keyPrefix, header } of windows) {
      const result = counted[keyPrefix];
      if (!(result instanceof RateLimiterRes)) continue;
      c.header(`${header}-Limit`, String(limit));
      c.header(`${header}-Remaining`, String(result.remainingPoints));
      c.header(`${header}-Reset`, String(Math.ceil((Date.now() + result.msBeforeNext) / 1000)));
      if (exceeded) over.push({ name, limit, ms: result.msBeforeNext });
    }
    if (!exceeded) return next();
    const limits = over.map((window) => `${window.limit} requests per ${window.name}`).join(' and ');
    const ms = Math.max(...over.map((window) => window.ms));
    return tooManyRequests(c, ms, (s) => `Rate limit of ${limits} exceeded; retry in ${s} s`);
  };
}

// Over budget: wait msBeforeNext; a store error (not a RateLimiterRes) fails open, as the windows do.
const waitOf = (rejection: unknown) => (rejection instanceof RateLimiterRes ? rejection.msBeforeNext : 0);

/** Goes before bearerAuth, rateLimit after it. */
export function refusedLimit({ refused, trustProxy, clientIpHeader }: RateLimitOptions): MiddlewareHandler {
  return async function refusedLimitMiddleware(c, next) {
    await next();
    if (c.res.status !== 401 || !refused) return;
    const ms = await refused.consume(rateLimitKey(clientIp(c, trustProxy, clientIpHeader))).then(() => 0, waitOf);
    if (ms > 0) c.res = tooManyRequests(c, ms, (s) => `Too many invalid API keys from this address; retry in ${s} s`);
  };
}
