/** What a user would write by hand: a Hono route around a plain BullMQ queue.add. */
import { randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Queue } from 'bullmq';
import { Hono } from 'hono';
import { BENCH_DELAY_MS, announce, benchEnv } from './env.js';

const { port, redisPort, queueName } = benchEnv();
const queue = new Queue(queueName, { connection: { host: '127.0.0.1', port: redisPort } });
// BENCH_UUID_BACKOFF=1 (experiments): the job options of the real endpoint.
const extra = () =>
  process.env.BENCH_UUID_BACKOFF === '1'
    ? { jobId: randomUUID(), backoff: { type: 'exponential', delay: 30_000, jitter: 0.2 } }
    : {};
const app = new Hono();
app.post('/api/dm-jobqueue/register', async (c) => {
  const body = await c.req.json<{ message?: string }>();
  const job = await queue.add(
    'demo:delay_print',
    { message: body.message },
    { delay: BENCH_DELAY_MS, attempts: 11, ...extra() },
  );
  return c.json({ job_id: job.id, status: 'registered' }, 201);
});
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => announce(info.port));
