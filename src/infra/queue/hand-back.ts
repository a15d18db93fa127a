import { WaitingError, type Job } from 'bullmq';

/** The abort reason the worker gives its running jobs when the shutdown timeout is up. */
export const HAND_BACK_REASON = 'worker shutting down: job handed back to the queue';

/**
 * Waits for `run`; if `signal` aborts first (the worker's shutdown timeout),
 * moves the job back to waiting under this worker's lock and throws BullMQ's
 * `WaitingError`, so the worker neither completes nor fails it and another
 * worker runs it from the start (BullMQ's documented `moveToWait` pattern).
 * The abandoned run keeps going until the process exits; its result is ignored.
 * @example await handBackOnAbort(job, token, signal, processor(payload));
 */
export async function handBackOnAbort(
  job: Pick<Job, 'moveToWait'>,
  token: string | undefined,
  signal: AbortSignal | undefined,
  run: Promise<void>,
): Promise<void> {
  if (!signal || token === undefined) return run;
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    if ((await Promise.race([run.then(() => 'done' as const), aborted])) === 'done') return;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  run.catch(() => undefined);
  await job.moveToWait(token);
  throw new WaitingError();
}
