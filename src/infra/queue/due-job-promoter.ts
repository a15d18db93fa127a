import { Queue, QueueEvents, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import { isRedisConnectionError } from '../redis/connection-error.js';
import type { QueueLocation } from './job-queue.js';

export interface DueJobPromoterOptions {
  location: QueueLocation;
  /** Worker-style options (`workerRedisOptions`): the events reader blocks, so it gets its own connection. */
  connection: ConnectionOptions;
  logger: Logger;
  /** Most due times remembered; jobs beyond them start on BullMQ's own timing (default 10,000). */
  capacity?: number;
}

export interface DueJobPromoter {
  /** Starts listening for delayed jobs; resolves once the events reader is connected or has given up for now. */
  start(): Promise<void>;
  /** Stops the timer and closes both connections; idempotent. */
  close(): Promise<void>;
}

interface Due {
  readonly jobId: string;
  readonly at: number;
}

/** Longest a Node timer can wait; a later due time is re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Starts delayed jobs on time, through BullMQ's public API only.
 *
 * An idle BullMQ worker blocks on Redis until the next delayed job is due, and
 * Redis ends such a wait only on its own clock tick (`hz`, 10 a second by
 * default), so a job can start up to ~100 ms late. This promoter reads the
 * queue's `delayed` events (`QueueEvents`: each carries the job id and its due
 * time, for new jobs and for retries alike), keeps the earliest due times, and
 * at each due time calls `job.promote()`. Promoting writes the marker that wakes
 * the blocked worker at once; the worker then moves every other job that is due
 * by itself.
 *
 * It does nothing while the queue is paused (`paused` / `resumed` events), and
 * a job another worker process already promoted or took is skipped. Jobs that
 * were delayed before this process started, or beyond `capacity`, are not
 * known here and start on BullMQ's own timing: late by a Redis tick at most,
 * never early and never lost.
 * @example const promoter = createDueJobPromoter({ location, connection, logger }); await promoter.start();
 */
export function createDueJobPromoter({ location, connection, logger, capacity = 10_000 }: DueJobPromoterOptions): DueJobPromoter {
  const queue = new Queue(location.name, { connection, prefix: location.prefix });
  const events = new QueueEvents(location.name, { connection, prefix: location.prefix, autorun: false });
  // The worker's own listeners report Redis outages; these only keep the emitters from throwing.
  queue.on('error', (error) => logger.debug({ err: error }, 'due-job promoter: queue connection error'));
  events.on('error', (error) => logger.debug({ err: error }, 'due-job promoter: events connection error'));

  /** Sorted by due time, earliest first; at most `capacity` entries. */
  const pending: Due[] = [];
  let paused = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let firing = false;

  function remember(due: Due): void {
    let index = pending.length;
    while (index > 0 && (pending[index - 1]?.at ?? 0) > due.at) index -= 1;
    if (index >= capacity) return;
    pending.splice(index, 0, due);
    if (pending.length > capacity) pending.pop();
    if (index === 0) arm();
  }

  function arm(): void {
    clearTimeout(timer);
    timer = undefined;
    const first = pending[0];
    if (closed || firing || !first) return;
    timer = setTimeout(() => void fire(), Math.min(MAX_TIMER_MS, Math.max(0, first.at - Date.now())));
    timer.unref();
  }

  /** Promotes the first of `due` that is still delayed; one is enough to wake a worker. */
  async function promoteOne(due: readonly Due[]): Promise<void> {
    for (const { jobId } of due) {
      const job = await queue.getJob(jobId);
      if (!job) continue;
      try {
        await job.promote();
        return;
      } catch (error) {
        // Another worker process (or this worker itself) got there first: nothing to do.
        if (!(await job.isDelayed())) {
          logger.debug({ jobId }, 'due-job promoter: job was no longer delayed');
          continue;
        }
        throw error;
      }
    }
  }

  async function fire(): Promise<void> {
    timer = undefined;
    const now = Date.now();
    let count = 0;
    while (count < pending.length && (pending[count]?.at ?? 0) <= now) count += 1;
    const due = pending.splice(0, count);
    if (due.length === 0 || paused) {
      arm();
      return;
    }
    firing = true;
    try {
      await promoteOne(due);
    } catch (error) {
      // Only the early start is lost: the worker still takes the job on BullMQ's own timing.
      if (isRedisConnectionError(error)) logger.debug({ err: error }, 'due-job promoter: Redis not reachable; the job starts on BullMQ timing');
      else logger.warn({ err: error, jobIds: due.map((entry) => entry.jobId) }, 'due-job promoter: could not promote a due job; it starts on BullMQ timing');
    } finally {
      firing = false;
      arm();
    }
  }

  events.on('delayed', ({ jobId, delay }) => {
    const at = Number(delay);
    if (Number.isFinite(at)) remember({ jobId, at });
  });
  events.on('paused', () => {
    paused = true;
  });
  events.on('resumed', () => {
    paused = false;
    arm();
  });

  let closing: Promise<void> | undefined;
  return {
    async start() {
      void events.run().catch((error: unknown) => logger.warn({ err: error }, 'due-job promoter: events reader stopped'));
      await events.waitUntilReady().catch(() => undefined);
      paused = await queue.isPaused().catch(() => false);
    },
    close() {
      closing ??= (async () => {
        closed = true;
        clearTimeout(timer);
        await Promise.allSettled([events.close(), queue.close()]);
      })();
      return closing;
    },
  };
}
