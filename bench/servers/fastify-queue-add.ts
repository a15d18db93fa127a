/** The same minimal endpoint in Fastify. */
import { Queue } from 'bullmq';
import Fastify from 'fastify';
import { BENCH_DELAY_MS, announce, benchEnv } from './env.js';

const { port, redisPort, queueName } = benchEnv();
const queue = new Queue(queueName, { connection: { host: '127.0.0.1', port: redisPort } });
const app = Fastify();
app.post<{ Body: { message?: string } }>('/api/dm-jobqueue/register', async (request, reply) => {
  const job = await queue.add(
    'demo:delay_print',
    { message: request.body.message },
    { delay: BENCH_DELAY_MS, attempts: 11 },
  );
  return reply.code(201).send({ job_id: job.id, status: 'registered' });
});
const address = await app.listen({ port, host: '127.0.0.1' });
announce(Number(new URL(address).port));
