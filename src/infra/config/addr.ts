import * as v from 'valibot';

/** A `host:port` address, as written in cacheserver.yaml (`[::1]:6379` for IPv6). */
export interface HostPort {
  host: string;
  port: number;
}

const ADDR_PATTERN = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/;

/**
 * Parses `host:port`; returns undefined when the text is not one.
 * @example parseAddr('localhost:6379') // { host: 'localhost', port: 6379 }
 */
export function parseAddr(text: string): HostPort | undefined {
  const match = ADDR_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: match[1] ?? match[2] ?? '', port };
}

/**
 * Writes an address back as `host:port`, brackets around an IPv6 host; the inverse of {@link parseAddr}.
 * @example formatAddr({ host: '::1', port: 6379 }) // '[::1]:6379'
 */
export function formatAddr({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** valibot schema: a `host:port` string, transformed into a {@link HostPort}. */
export const AddrSchema = v.pipe(
  v.string(),
  v.check((text) => parseAddr(text) !== undefined, 'must be "host:port" with a port from 1 to 65535'),
  v.transform((text) => parseAddr(text) as HostPort),
);
