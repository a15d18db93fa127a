import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { JobQueue, QueueLocation } from './job-queue.js';

export interface LazyQueue {
  /** The fail-fast client the queue runs on (`producerRedisOptions`). */
  readonly client: Redis;
  readonly location: QueueLocation;
  /** The queue, created on first use and again after a failed start-up. */
  current(): JobQueue;
  close(): Promise<void>;
}

/**
 * A BullMQ Queue over a shared ioredis client, made on first use. BullMQ's Queue
 * keeps the promise of its first start-up; if that start-up fails (Redis lost
 * mid-handshake) the Queue stays broken, so a new one is made then. The API's
 * producer and status reader share one, so the queue starts up once.
 * @example const queue = createLazyQueue({ client, location: { name: 'dm-jobqueue', prefix: 'bull' }, logger });
 *          await queue.current().getJob(id);
 */
export function createLazyQueue({
  client,
  location,
  logger,
}: {
  client: Redis;
  location: QueueLocation;
  logger: Logger;
}): LazyQueue {
  let queue: JobQueue | undefined;
  return {
    client,
    location,
    current() {
      if (queue) return queue;
      const created: JobQueue = new Queue(location.name, { connection: client, prefix: location.prefix });
      // The client's own error listener reports outages (once); this one only keeps the Queue from throwing.
      created.on('error', (error) => logger.debug({ err: error }, 'job queue connection error'));
      created.waitUntilReady().catch(() => {
        if (queue === created) queue = undefined;
        void created.close().catch(() => undefined);
      });
      queue = created;
      return created;
    },
    async close() {
      await queue?.close();
    },
  };
}
