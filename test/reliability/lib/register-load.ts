import { AUTH_HEADERS } from '../../helpers/api-keys.js';
import type { HttpAnswer, createHttpClient } from './http-client.js';

export const REGISTER_PATH = '/api/dm-jobqueue/register';

export interface RegisterOutcome {
  /** The request's number, 0-based. */
  index: number;
  /** 0 when no answer came (connection refused, reset, timeout). */
  status: number;
  /** Set on a 201. */
  jobId?: string;
  ms: number;
  /** When the answer (or the failure) arrived, `Date.now()`. */
  at: number;
  /** The answer's body for anything but a 201, or the error. */
  detail?: string;
}

export interface RegisterLoadOptions {
  client: ReturnType<typeof createHttpClient>;
  /** Concurrent request loops. */
  clients: number;
  /** Stop after this many requests… */
  total?: number;
  /** …or once this returns true (checked before each request). */
  until?: () => boolean;
  body: (index: number) => Record<string, unknown>;
  /** A loop that got anything but a 201 waits this long before its next request (default 0): 503s come back in microseconds. */
  pauseAfterFailureMs?: number;
}

/** One register request, answered or not; never throws. */
export async function registerOnce(
  client: RegisterLoadOptions['client'],
  index: number,
  body: Record<string, unknown>,
): Promise<RegisterOutcome> {
  const started = performance.now();
  let answer: HttpAnswer;
  try {
    answer = await client.send({
      method: 'POST',
      path: REGISTER_PATH,
      headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    return {
      index,
      status: 0,
      ms: performance.now() - started,
      at: Date.now(),
      detail: error instanceof Error ? error.message : String(error),
    };
  }
  if (answer.status === 201) {
    const { job_id: jobId } = JSON.parse(answer.body) as { job_id: string };
    return { index, status: 201, jobId, ms: answer.ms, at: Date.now() };
  }
  return { index, status: answer.status, ms: answer.ms, at: Date.now(), detail: answer.body };
}

/**
 * `clients` loops registering jobs back to back (keep-alive), like autocannon
 * but keeping every answer: which request got which job id.
 * @example const outcomes = await registerLoad({ client, clients: 32, total: 20_000, body: (i) => ({ message: `m ${i}` }) });
 */
export async function registerLoad(options: RegisterLoadOptions): Promise<RegisterOutcome[]> {
  const outcomes: RegisterOutcome[] = [];
  let next = 0;
  const more = () => (options.total === undefined || next < options.total) && !(options.until?.() ?? false);
  const loop = async () => {
    while (more()) {
      const index = next++;
      const outcome = await registerOnce(options.client, index, options.body(index));
      outcomes.push(outcome);
      if (outcome.status !== 201 && options.pauseAfterFailureMs)
        await new Promise((resolve) => setTimeout(resolve, options.pauseAfterFailureMs));
    }
  };
  await Promise.all(Array.from({ length: options.clients }, loop));
  return outcomes.sort((a, b) => a.index - b.index);
}

/** Outcomes counted by status (0 = no answer). */
export function statusCounts(outcomes: readonly RegisterOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status } of outcomes) counts[String(status)] = (counts[String(status)] ?? 0) + 1;
  return counts;
}
