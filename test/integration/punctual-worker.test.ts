import { Queue, type Job, type Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { PunctualWorker } from '../../src/infra/queue/punctual-worker.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { useRedisFixture } from '../helpers/redis-fixture.js';
import { uniqueQueueName } from '../helpers/redis-config.js';

describe('punctual worker: delayed jobs start on time whatever Redis hz is', () => {
  // Redis checks blocking timeouts once per tick; at hz 1 a plain BullMQ worker
  // starts a delayed job anywhere up to a second late.
  const fixture = useRedisFixture({ extraArgs: ['--hz', '1'] });

  async function lateness(WorkerClass: typeof Worker): Promise<number[]> {
    const queueName = uniqueQueueName('punctual');
    const connection = { host: '127.0.0.1', port: fixture.redis.port };
    const queue = new Queue(queueName, { connection });
    const late: number[] = [];
    const worker = new WorkerClass(queueName, async (job: Job) => void late.push(Date.now() - (job.timestamp + (job.opts.delay ?? 0))), { connection });
    fixture.cleanup.push(async () => {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    });
    await worker.waitUntilReady();
    // One at a time, each due while the worker is idle and blocked.
    for (const delay of [300, 450, 600]) {
      await queue.add('on-time', {}, { delay });
      await waitFor(() => late.length === [300, 450, 600].indexOf(delay) + 1, { what: 'the job to run', timeoutMs: 5_000 });
    }
    return late;
  }

  it('wakes the blocked worker at the due time instead of on the next Redis tick', async () => {
    const late = await lateness(PunctualWorker);
    // Far below the up-to-1000 ms of a tick; generous for a loaded CI machine.
    for (const ms of late) expect(ms).toBeLessThan(250);
  });
});
