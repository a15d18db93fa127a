import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';

/** Adds one header to whatever response the request ends with. */
export type SetResponseHeader = (name: string, value: string) => void;

/**
 * A setter for headers on whatever response this request ends with.
 *
 * Under @hono/node-server they go straight onto Node's `ServerResponse`, which
 * merges them into the head it writes. Hono's `c.header` instead builds a
 * WHATWG `Headers` object for the request, and with it the adapter gives up its
 * plain-object fast path: for the six rate-limit headers that was 25–35 µs of
 * CPU per request, a quarter of the register endpoint's (bench/ab.ts). Where
 * there is no Node response (`app.request()` in tests, other runtimes) it falls
 * back to `c.header`, so the headers are the same either way.
 * @example const setHeader = responseHeaderSetter(c); setHeader('X-RateLimit-Limit', '60');
 */
export function responseHeaderSetter(c: Context): SetResponseHeader {
  const outgoing = nodeResponse(c);
  return outgoing ? (name, value) => outgoing.setHeader(name, value) : (name, value) => c.header(name, value);
}

function nodeResponse(c: Context): ServerResponse | undefined {
  // c.env is `{ incoming, outgoing }` under @hono/node-server, undefined in app.request().
  const env = c.env as { outgoing?: unknown } | undefined;
  const outgoing = env?.outgoing;
  return outgoing && typeof (outgoing as ServerResponse).setHeader === 'function' && !(outgoing as ServerResponse).headersSent
    ? (outgoing as ServerResponse)
    : undefined;
}
