import autocannon from 'autocannon';
import { AUTH_HEADERS } from '../../test/helpers/api-keys.js';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers other than 201, and socket errors/timeouts. */
  failures: number;
}

const BODY = JSON.stringify({ message: 'bench job', delay_seconds: 180 });

/**
 * POSTs the register body to `url` with `connections` open connections for
 * `seconds`; every answer but 201 counts as a failure.
 */
export async function postLoad(url: string, { connections = 50, seconds = 5 } = {}): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: seconds,
    // A browser client's request: a key and an allowed Origin, so that authentication and CORS do their work
    // wherever they are on; the minimal peer routes ignore both.
    headers: { ...AUTH_HEADERS, origin: 'http://localhost:3000', 'content-type': 'application/json' },
    body: BODY,
    expectBody: undefined,
  });
  const ok = result['2xx'];
  return {
    requestsPerSecond: ok / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}
