import type { Job, JobState } from 'bullmq';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../log.js';
import { createBullmqJobStore } from './bullmq-queue.js';
import type { LazyQueue, TypedQueue } from './bullmq-queue.js';

const JOB_ID = '8a0b7d5e-1c2f-4a3b-9c4d-5e6f7a8b9c0d';
const REGISTERED_AT = Date.parse('2026-11-29T00:00:00Z');
const RETRY_AT = REGISTERED_AT + 70_000;

/** The job as BullMQ keeps it, in the fields the reader looks at; no job: removed. */
interface Snapshot {
  state: JobState | 'unknown';
  job?: Partial<Job>;
}

const running: Snapshot = {
  state: 'active',
  job: { attemptsStarted: 1, attemptsMade: 0, processedOn: REGISTERED_AT + 5_000 },
};
const failedOnce: Snapshot = {
  state: 'delayed',
  // BullMQ stores the retry's backoff as the job's delay; the run that failed started at processedOn.
  job: {
    attemptsStarted: 1,
    attemptsMade: 1,
    processedOn: RETRY_AT - 30_000,
    delay: 30_000,
    failedReason: 'printer on fire',
  },
};

/**
 * A queue whose job moves from `timeline[0]` to the next snapshot after each
 * read of the job hash: the worker finishing a run while the reader is between
 * its reads.
 */
function queueMovingThrough(timeline: Snapshot[]): LazyQueue & { hashReads(): number } {
  let step = 0;
  const now = () => timeline[Math.min(step, timeline.length - 1)] as Snapshot;
  const queue = {
    async getJob(id: string) {
      const snapshot = now();
      step += 1;
      return (
        snapshot.job && {
          id,
          name: 'demo:delay_print',
          timestamp: REGISTERED_AT,
          opts: { delay: 5_000, attempts: 3 },
          ...snapshot.job,
        }
      );
    },
    async getJobState() {
      return now().state;
    },
  };
  const client = { status: 'ready', get: async () => null };
  return {
    client: client as unknown as Redis,
    location: { name: 'test', prefix: 'bull' },
    current: () => queue as unknown as TypedQueue,
    close: async () => undefined,
    hashReads: () => step,
  };
}

describe('BullMQ job store', () => {
  it('pairs the state with the counters of the same moment when a run ends between its reads', async () => {
    const reader = createBullmqJobStore({
      queue: queueMovingThrough([running, failedOnce]),
      logger: createSilentLogger(),
    });

    const status = await reader.read(JOB_ID);

    expect(status).toMatchObject({
      state: 'delayed',
      attemptsMade: 1,
      failureReason: 'printer on fire',
      nextRunAt: new Date(RETRY_AT),
    });
  });

  it('reports a running job as active with no failure yet', async () => {
    const reader = createBullmqJobStore({ queue: queueMovingThrough([running]), logger: createSilentLogger() });

    expect(await reader.read(JOB_ID)).toMatchObject({ state: 'active', attemptsMade: 0, failureReason: undefined });
  });

  it('answers "no such job" when the job is removed between its reads', async () => {
    const reader = createBullmqJobStore({
      queue: queueMovingThrough([running, { state: 'unknown' }]),
      logger: createSilentLogger(),
    });

    expect(await reader.read(JOB_ID)).toBeUndefined();
  });

  it('stops after three rounds when every read shows another run, answering the latest', async () => {
    const everyReadAnotherRun: Snapshot[] = Array.from({ length: 10 }, (_, run) => ({
      state: 'active',
      job: { attemptsStarted: run + 1, attemptsMade: run, processedOn: REGISTERED_AT + run },
    }));
    const queue = queueMovingThrough(everyReadAnotherRun);
    const reader = createBullmqJobStore({ queue, logger: createSilentLogger() });

    const status = await reader.read(JOB_ID);

    expect(queue.hashReads()).toBe(4);
    expect(status).toMatchObject({ state: 'active', attemptsMade: 3 });
  });
});
