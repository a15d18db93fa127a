import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { createFailFastQueue } from '../../src/infra/queue/bullmq-queue.js';
import { producerRedisOptions, reopenWhenEnded } from '../../src/infra/redis/connection.js';
import { redisConfigFor, uniqueQueueName } from '../helpers/redis-config.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as never);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** ioredis ending a client by itself (as 6.0.0 did after a Sentinel switch) is what `disconnect()` leaves too: status `end`. */
describe('a Redis client that ioredis ended by itself is opened again, and says so at error', () => {
  let redis: RedisServer;
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('reconnects a client left in status end, logs it at error with the last error, and leaves a closed one closed', async () => {
    redis = await startRedisServer();
    cleanup.push(() => redis.destroy());
    const { logger, lines } = capturingLogger();
    const options = producerRedisOptions(redisConfigFor(redis.port));
    const client = new Redis(options);
    let closed = false;
    cleanup.push(() => {
      closed = true;
      client.disconnect();
    });
    client.on('error', () => undefined);
    reopenWhenEnded(client, { label: 'test Redis', logger, delayMs: options.retryStrategy, isClosing: () => closed });
    await waitFor(() => client.status === 'ready', { what: 'the first connection' });

    const ended = new Promise((resolve) => client.once('end', resolve));
    client.disconnect();
    await ended;
    await waitFor(() => client.status === 'ready', { what: 'the client to be opened again' });
    expect(await client.ping()).toBe('PONG');
    const given = lines.filter((line) => line.msg.includes('stopped reconnecting by itself'));
    expect(given).toHaveLength(1);
    expect(given[0]?.level).toBe(50);
    expect(lines.some((line) => line.msg.includes('test Redis: the reopened connection is ready'))).toBe(true);

    closed = true;
    client.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.status).toBe('end');
    expect(lines.filter((line) => line.msg.includes('stopped reconnecting by itself'))).toHaveLength(1);
  });

  it('a BullMQ queue for operator reads (dashboard, metrics) answers again after its client ended', async () => {
    redis = await startRedisServer();
    cleanup.push(() => redis.destroy());
    const { logger, lines } = capturingLogger();
    const location = { name: uniqueQueueName('reopen'), prefix: 'bull' };
    const reads = createFailFastQueue(location, redisConfigFor(redis.port), logger, 'dashboard');
    cleanup.push(() => reads.close());
    const { queue } = reads;
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 0 });
    (await queue.backend.client).disconnect();
    await waitFor(async () => (await queue.getJobCounts('waiting').catch(() => undefined))?.waiting === 0, {
      what: 'the queue to answer again',
    });
    expect(lines.some((line) => line.level === 50 && line.msg.startsWith('dashboard: job-queue Redis'))).toBe(true);
  });
});
