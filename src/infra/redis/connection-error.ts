import { isNotConnectionError } from 'bullmq';

/** Socket errors that mean the server is out of reach, not that it refused a command. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/** ioredis's words for a connection that is closed, not yet open, or too slow. */
const CONNECTION_MESSAGES = /Command timed out|Connection is closed|Stream isn't writeable|enableOfflineQueue|connect ETIMEDOUT|getaddrinfo|All sentinels are unreachable|Reached the max retries per request limit/i;

/** An error Redis itself answered with (`-ERR …`, `-WRONGTYPE …`, OOM): the store refused, the job was not stored. */
export function isRedisReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

/**
 * True for an error that means "Redis is not reachable right now" (refused,
 * reset, timed out, closed): those feed the once-per-outage log. Anything
 * else (a lock that could not be renewed, a script error, a wrong password) is
 * a fault of its own and is logged every time.
 * BullMQ's own classifier (`isNotConnectionError`) covers only a refused or
 * closed connection, so the socket codes and ioredis's messages are added.
 */
export function isRedisConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && NETWORK_CODES.has(code)) return true;
  if (CONNECTION_MESSAGES.test(error.message)) return true;
  return !isNotConnectionError(error);
}
