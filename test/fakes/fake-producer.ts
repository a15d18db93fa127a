import { QueueUnavailableError, type EnqueueRequest, type JobProducer } from '../../src/jobs/job-producer.js';

/** A JobProducer that keeps jobs in an array, or fails like a Redis that is down. */
export function createFakeProducer(options: { now?: () => number } = {}) {
  const jobs: EnqueueRequest[] = [];
  let unavailable = false;
  const producer = {
    jobs,
    setUnavailable(value: boolean) {
      unavailable = value;
    },
    async enqueue(request: EnqueueRequest) {
      if (unavailable) throw new QueueUnavailableError('Redis is not connected');
      jobs.push(request);
      return { createdAt: options.now?.() ?? Date.now() };
    },
  } satisfies JobProducer & Record<string, unknown>;
  return producer;
}
