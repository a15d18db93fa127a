import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface LazyQueue {
  /** The fail-fast client the queue runs on (`producerRedisOptions`). */
  readonly client: Redis;
  readonly name: string;
  /** The queue, created on first use and again after a failed start-up. */
  current(): Queue;
  close(): Promise<void>;
}

/**
 * A BullMQ Queue over a shared ioredis client, made on first use. BullMQ's Queue
 * keeps the promise of its first start-up; if that start-up fails (Redis lost
 * mid-handshake) the Queue stays broken, so a new one is made then. The API's
 * producer and status reader share one, so the queue starts up once.
 * @example const queue = createLazyQueue({ client, queueName, logger }); await queue.current().getJob(id);
 */
export function createLazyQueue({ client, queueName, logger }: { client: Redis; queueName: string; logger: Logger }): LazyQueue {
  let queue: Queue | undefined;
  return {
    client,
    name: queueName,
    current() {
      if (queue) return queue;
      const created = new Queue(queueName, { connection: client });
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
