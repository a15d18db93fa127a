import type { Redis } from 'ioredis';

export const NOT_CONNECTED = 'Redis is not connected';

/**
 * Why a Redis call failed, in words for a 503: the connection is down, the
 * server did not answer within the command timeout, or `otherwise` (the
 * caller's own words for a Redis that answered with an error).
 * @example throw new QueueUnavailableError(unavailableReason(client, error, 'Redis did not accept the job'));
 */
export function unavailableReason(client: Redis, error: unknown, otherwise: string): string {
  if (client.status !== 'ready') return NOT_CONNECTED;
  if (error instanceof Error && /timed out/i.test(error.message)) return 'Redis did not answer in time';
  return otherwise;
}
