import { Queue, QueueEvents, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import { isRedisConnectionError } from '../redis/connection-error.js';
import type { QueueLocation } from './job-queue.js';

export interface DueJobPromoterOptions {
  location: QueueLocation;
  /** Worker-style options (`workerRedisOptions`) for the events reader, whose XREAD blocks and waits through outages. */
  connection: ConnectionOptions;
  /** Fail-fast options (`producerRedisOptions`) for the reads and promotes: during an outage they fail at once instead of queueing. */
  commandConnection: ConnectionOptions;
  logger: Logger;
  /** Most due times remembered; jobs beyond them start on BullMQ's own timing (default 10,000). */
  capacity?: number;
}

export interface DueJobPromoter {
  /** Starts listening for delayed jobs in the background; never waits for Redis. */
  start(): void;
  /** Stops the timer and closes both connections; idempotent. */
  close(): Promise<void>;
}

interface Due {
  readonly jobId: string;
  readonly at: number;
  /**
   * When the event was written (its stream id's time, or when it was read if that is earlier): a
   * job that ran after this was taken since, and is not this entry's to promote. The read time
   * alone would be too late for an event replayed at start, after the whole history was read.
   */
  readonly seenAt: number;
}

/** Longest a Node timer can wait; a later due time is re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How long close() waits for a clean QUIT before it drops the connections (a Redis that is down never answers). */
const CLOSE_GRACE_MS = 1000;

/** The first id of a Redis stream. */
const FROM_STREAM_START = '0-0';

/** Events after which a job is no longer waiting for the due time we knew. */
const LEFT_DELAYED = ['waiting', 'active', 'completed', 'failed', 'removed'] as const;

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
 * a job another worker process already promoted or took is skipped. Jobs
 * delayed before this process started are learned from the stream's history.
 * A due time is never guessed from the job (`timestamp + delay` is earlier
 * than the real one after `changeDelay()` or a retry), only read from its
 * event. Jobs whose events the stream no longer holds, or beyond `capacity`,
 * start on BullMQ's own timing: late by a Redis tick at most, never lost.
 * `promote()` has no condition, so a `changeDelay()` that lands between the
 * promoter's check and its promote still starts the job at its old due time.
 * The promoter reads the whole stream history at start (~80 ms of event loop
 * for a full one).
 * @example const promoter = createDueJobPromoter({ location, connection, commandConnection, logger }); promoter.start();
 */
export function createDueJobPromoter({
  location,
  connection,
  commandConnection,
  logger,
  capacity = 10_000,
}: DueJobPromoterOptions): DueJobPromoter {
  const queue = new Queue(location.name, { connection: commandConnection, prefix: location.prefix });
  // Read from the start of the queue's event stream (BullMQ keeps its last ~10,000 events): the
  // `delayed` events of jobs registered before this process started are replayed in order, with
  // the later events that moved them on, so those jobs start on time too.
  const events = new QueueEvents(location.name, {
    connection,
    prefix: location.prefix,
    autorun: false,
    lastEventId: FROM_STREAM_START,
  });
  // The worker reports Redis outages; anything else (ACL, script, wrong type) would leave the promoter inert: say so.
  const reportError = (what: string) => (error: Error) => {
    if (isRedisConnectionError(error)) logger.debug({ err: error }, `due-job promoter: ${what} connection error`);
    else logger.warn({ err: error }, `due-job promoter: ${what} error: ${error.message}`);
  };
  queue.on('error', reportError('queue'));
  events.on('error', reportError('events'));

  /** Sorted by due time, earliest first; at most `capacity` entries, at most one per job. */
  const pending: Due[] = [];
  /** The jobs in `pending`: most events (and the whole replayed history at start) are of jobs not in it. */
  const known = new Set<string>();

  function forget(jobId: string): void {
    if (!known.delete(jobId)) return;
    const index = pending.findIndex((entry) => entry.jobId === jobId);
    if (index >= 0) pending.splice(index, 1);
  }

  /** Where a due time goes: after every entry due at the same time or earlier. */
  function insertionIndex(at: number): number {
    let low = 0;
    let high = pending.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((pending[middle]?.at ?? 0) <= at) low = middle + 1;
      else high = middle;
    }
    return low;
  }
  let paused = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let firing = false;

  function remember(due: Due): void {
    // A retry, or a changed delay: the new due time replaces the old one, which must not fire.
    forget(due.jobId);
    const index = insertionIndex(due.at);
    if (index >= capacity) return;
    pending.splice(index, 0, due);
    known.add(due.jobId);
    if (pending.length > capacity) {
      const dropped = pending.pop();
      if (dropped) known.delete(dropped.jobId);
    }
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

  /** Promotes the first of `due` that is still delayed for the due time we knew; one is enough to wake a worker. */
  async function promoteOne(due: readonly Due[]): Promise<void> {
    for (const { jobId, at, seenAt } of due) {
      const job = await queue.getJob(jobId);
      // Gone, or run since we learned its due time (then it is delayed again for a later one, or not at all).
      if (!job || (job.processedOn ?? 0) > seenAt) continue;
      // Its real due time is never before `timestamp + delay` (equal for a new job, later after
      // changeDelay or a retry): an entry before that is stale (a job id used again, an event missed).
      if (at < job.timestamp + job.delay) continue;
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
    for (const entry of due) known.delete(entry.jobId);
    if (due.length === 0) {
      arm();
      return;
    }
    firing = true;
    try {
      // The flag follows `paused`/`resumed` events; one that never comes (obliterate() deletes a
      // paused queue's state without a `resumed`) must not leave the promoter idle for good.
      if (paused) paused = await queue.isPaused();
      if (!paused) await promoteOne(due);
    } catch (error) {
      // Only the early start is lost: the worker still takes the job on BullMQ's own timing.
      if (isRedisConnectionError(error))
        logger.debug({ err: error }, 'due-job promoter: Redis not reachable; the job starts on BullMQ timing');
      else
        logger.warn(
          { err: error, jobIds: due.map((entry) => entry.jobId) },
          'due-job promoter: could not promote a due job; it starts on BullMQ timing',
        );
    } finally {
      firing = false;
      arm();
    }
  }

  events.on('delayed', ({ jobId, delay }, id) => {
    const at = Number(delay);
    const writtenAt = Number.parseInt(id, 10);
    const seenAt = Number.isFinite(writtenAt) ? Math.min(writtenAt, Date.now()) : Date.now();
    if (Number.isFinite(at)) remember({ jobId, at, seenAt });
  });
  for (const event of LEFT_DELAYED) events.on(event, ({ jobId }: { jobId: string }) => forget(jobId));
  events.on('paused', () => {
    paused = true;
  });
  events.on('resumed', () => {
    paused = false;
    arm();
  });

  let closing: Promise<void> | undefined;
  return {
    start() {
      void events
        .run()
        .catch((error: unknown) => logger.warn({ err: error }, 'due-job promoter: events reader stopped'));
      // Learned again on every (re)connection: a `resumed` event lost in an outage must not leave it paused for good.
      events.backend.on('ready', () => {
        queue.isPaused().then(
          (value) => {
            paused = value;
            arm();
          },
          () => undefined,
        );
      });
    },
    close() {
      closing ??= (async () => {
        closed = true;
        clearTimeout(timer);
        const closed_ = Promise.allSettled([events.close(), queue.close()]);
        const grace = new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref());
        await Promise.race([closed_, grace]);
        await Promise.allSettled([events.disconnect(), queue.disconnect()]);
      })();
      return closing;
    },
  };
}
