import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { EnqueueRequest } from '../../src/jobs/job-producer.js';
import { createDelayedJobWriter } from '../../src/infra/queue/delayed-job-writer.js';
import { toBullmqJobOptions } from '../../src/infra/queue/bullmq-job-options.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { useRedisFixture } from '../helpers/redis-fixture.js';
import { uniqueQueueName } from '../helpers/redis-config.js';

const BACKOFF = { type: 'exponential', delayMs: 30_000, jitter: 0.2 } as const;

function request(jobId: string, delayMs = 180_000): EnqueueRequest {
  return { jobId, type: 'demo:delay_print', payload: { message: 'hello 世界' }, delayMs, attempts: 11, backoff: BACKOFF };
}

/** The events of a queue's stream as [event name, fields without ids and times]. */
async function events(redis: Redis, queueName: string) {
  const entries = await redis.xrange(`bull:${queueName}:events`, '-', '+');
  return entries.map(([, fields]) => {
    const record: Record<string, string> = {};
    for (let i = 0; i < fields.length; i += 2) record[fields[i] as string] = fields[i + 1] as string;
    return record;
  });
}

describe('delayed-job writer: BullMQ-compatible batched adds', () => {
  const fixture = useRedisFixture();

  function setup() {
    const redis = new Redis(fixture.redis.port);
    const ours = uniqueQueueName('writer-ours');
    const theirs = uniqueQueueName('writer-bullmq');
    const bullmq = new Queue(theirs, { connection: { host: '127.0.0.1', port: fixture.redis.port } });
    const reader = new Queue(ours, { connection: { host: '127.0.0.1', port: fixture.redis.port } });
    const writer = createDelayedJobWriter(redis, ours);
    fixture.cleanup.push(async () => {
      await bullmq.obliterate({ force: true });
      await reader.obliterate({ force: true });
      await Promise.all([bullmq.close(), reader.close()]);
      redis.disconnect();
    });
    return { redis, ours, theirs, bullmq, reader, writer };
  }

  it('writes exactly what queue.add writes: job hash, delayed score, marker, id counter and events', async () => {
    const { redis, ours, theirs, bullmq, writer } = setup();
    const job = request('job-a');
    const added = await bullmq.add(job.type, job.payload, toBullmqJobOptions(job));
    expect(await writer.write([writer.encode(job, added.timestamp)])).toEqual([true]);

    const [theirHash, ourHash] = await Promise.all([redis.hgetall(`bull:${theirs}:job-a`), redis.hgetall(`bull:${ours}:job-a`)]);
    expect(Object.keys(ourHash).sort()).toEqual(Object.keys(theirHash).sort());
    // The stored options are the same JSON, in whatever key order.
    const withParsedOpts = (hash: Record<string, string>): Record<string, unknown> => ({ ...hash, opts: JSON.parse(hash.opts ?? '') as unknown });
    expect(withParsedOpts(ourHash)).toEqual(withParsedOpts(theirHash));

    for (const key of ['delayed', 'marker']) {
      expect(await redis.zrange(`bull:${ours}:${key}`, '0', '-1', 'WITHSCORES')).toEqual(await redis.zrange(`bull:${theirs}:${key}`, '0', '-1', 'WITHSCORES'));
    }
    expect(await redis.get(`bull:${ours}:id`)).toBe(await redis.get(`bull:${theirs}:id`));
    expect(await redis.hget(`bull:${ours}:meta`, 'opts.maxLenEvents')).toBe(await redis.hget(`bull:${theirs}:meta`, 'opts.maxLenEvents'));
    expect(await events(redis, ours)).toEqual(await events(redis, theirs));
  });

  it('reads back through BullMQ as the same delayed job', async () => {
    const { reader, writer } = setup();
    const timestamp = Date.now();
    await writer.write([writer.encode(request('job-b', 60_000), timestamp)]);
    const job = await reader.getJob('job-b');
    expect(job).toBeDefined();
    expect(await job?.getState()).toBe('delayed');
    expect(job).toMatchObject({ name: 'demo:delay_print', data: { message: 'hello 世界' }, timestamp, delay: 60_000, attemptsMade: 0 });
    expect(job?.opts).toEqual({ jobId: 'job-b', delay: 60_000, attempts: 11, backoff: { type: 'exponential', delay: 30_000, jitter: 0.2 } });
  });

  it('keeps the order of jobs due in the same millisecond, within and across batches', async () => {
    const { redis, ours, writer } = setup();
    const timestamp = Date.now();
    const ids = Array.from({ length: 6 }, (_, i) => `fifo-${i}`);
    await writer.write(ids.slice(0, 4).map((id) => writer.encode(request(id), timestamp)));
    await writer.write(ids.slice(4).map((id) => writer.encode(request(id), timestamp)));
    expect(await redis.zrange(`bull:${ours}:delayed`, '0', '-1')).toEqual(ids);
    const scores = (await redis.zrange(`bull:${ours}:delayed`, '0', '-1', 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number);
    expect(scores.map((score) => Math.floor(score / 0x1000))).toEqual(ids.map(() => timestamp + 180_000));
  });

  it('leaves an existing job as it is and reports it, as queue.add does for a known id', async () => {
    const { redis, ours, writer } = setup();
    await writer.write([writer.encode(request('dup'), Date.now())]);
    const other = { ...request('dup', 5_000), payload: { message: 'other' } };
    expect(await writer.write([writer.encode(other, Date.now()), writer.encode(request('fresh'), Date.now())])).toEqual([false, true]);
    expect(await redis.hget(`bull:${ours}:dup`, 'data')).toBe('{"message":"hello 世界"}');
    expect((await events(redis, ours)).filter((event) => event.event === 'duplicated')).toEqual([{ event: 'duplicated', jobId: 'dup' }]);
  });

  it('wakes a blocked BullMQ worker for a job that comes due', async () => {
    const { ours, writer } = setup();
    const ran: string[] = [];
    const worker = new Worker(ours, async (job) => void ran.push(job.id ?? ''), { connection: { host: '127.0.0.1', port: fixture.redis.port } });
    fixture.cleanup.push(() => worker.close());
    await worker.waitUntilReady();
    await writer.write([writer.encode(request('soon', 300), Date.now())]);
    await waitFor(() => ran.length === 1, { what: 'the job to run', timeoutMs: 5_000 });
    expect(ran).toEqual(['soon']);
  });

  it('loads its script again after Redis forgot it (restart, SCRIPT FLUSH)', async () => {
    const { redis, reader, writer } = setup();
    await writer.write([writer.encode(request('before'), Date.now())]);
    await redis.script('FLUSH');
    expect(await writer.write([writer.encode(request('after'), Date.now())])).toEqual([true]);
    expect(await reader.getJob('after')).toBeDefined();
  });

  it('refuses what queue.add refuses, per job, before any write', () => {
    const { writer } = setup();
    expect(() => writer.encode(request('42'), Date.now())).toThrow(/cannot be integers/);
    expect(() => writer.encode(request('a:b'), Date.now())).toThrow(/cannot contain ':'/);
    expect(() => writer.encode(request('no-delay', 0), Date.now())).toThrow(/no delay/);
  });
});
