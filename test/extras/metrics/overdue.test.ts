import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../scripts/lib/wait-for.js';
import { apiMetricsExtension, oldestOverdueSeconds } from '../../../src/extras/metrics/extra.js';
import { createApiMetrics } from '../../../src/extras/metrics/metrics.js';
import { createSilentLogger } from '../../../src/infra/log.js';
import { createBullmqProducer, createLazyQueue } from '../../../src/infra/queue/bullmq-queue.js';
import { producerRedisOptions } from '../../../src/infra/redis/connection.js';
import { demoDelayPrint } from '../../../src/jobs/demo-delay-print.js';
import { registerJob } from '../../../src/jobs/register-job.js';
import { redisConfigFor, uniqueQueueName } from '../../helpers/redis-config.js';
import { useRedisFixture } from '../../helpers/redis-fixture.js';
import { createTestApp } from '../../helpers/test-app.js';

const SCRAPE = { username: 'prometheus', password: 'scrape only, staple' };
const basic = `Basic ${Buffer.from(`${SCRAPE.username}:${SCRAPE.password}`).toString('base64')}`;

describe('dm_jobqueue_oldest_overdue_seconds, read from Redis at scrape time with no worker running', () => {
  const fixture = useRedisFixture();

  async function setup() {
    const logger = createSilentLogger();
    const client = new Redis(producerRedisOptions(redisConfigFor(fixture.redis.port)));
    client.on('error', () => undefined);
    const queue = createLazyQueue({ client, location: { name: uniqueQueueName('overdue'), prefix: 'bull' }, logger });
    fixture.cleanup.push(async () => {
      await queue.current().obliterate({ force: true });
      await queue.close();
      client.disconnect();
    });
    await waitFor(() => client.status === 'ready', { what: 'Redis connection' });
    const producer = createBullmqProducer({ queue, logger });
    const register = (input: { delaySeconds?: number; expiresAt?: Date }) =>
      registerJob({ producer }, demoDelayPrint, { payload: { message: 'due' }, ...input });
    return { queue, register };
  }

  it('is 0 for an empty queue and for jobs not yet due; the age of the earliest due one otherwise', async () => {
    const { queue, register } = await setup();
    expect(await oldestOverdueSeconds(queue)).toBe(0);
    await register({ delaySeconds: 60 });
    expect(await oldestOverdueSeconds(queue)).toBe(0);
    // 25 due jobs, 100 ms apart: more than one page, so the oldest is found by its order, not by luck.
    const first = await register({ delaySeconds: 0 });
    for (let i = 1; i < 25; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await register({ delaySeconds: 0 });
    }
    const at = first.runAt.getTime() + 10_000;
    expect(await oldestOverdueSeconds(queue, at)).toBe(10);
    // The delayed one is due 60 s after registration, and counts once that has passed.
    expect(await oldestOverdueSeconds(queue, first.runAt.getTime() + 70_000)).toBe(70);
  });

  it('leaves out a job past its expires_at: no worker will ever start it', async () => {
    const { queue, register } = await setup();
    const job = await register({ delaySeconds: 0, expiresAt: new Date(Date.now() + 1000) });
    expect(await oldestOverdueSeconds(queue, job.runAt.getTime() + 500)).toBe(0);
    expect(await oldestOverdueSeconds(queue, job.runAt.getTime() + 5000)).toBe(0);
  });

  it("is on the API's /metrics", async () => {
    const { queue, register } = await setup();
    const app = createTestApp({
      extensions: [apiMetricsExtension(SCRAPE, createApiMetrics(), () => oldestOverdueSeconds(queue))],
    });
    await register({ delaySeconds: 0 });
    await waitFor(
      async () => {
        const text = await (await app.request('/metrics', { headers: { authorization: basic } })).text();
        return /^dm_jobqueue_oldest_overdue_seconds [1-9]\d*$/m.test(text);
      },
      { what: 'the gauge to show the due job', timeoutMs: 5000 },
    );
  });
});
