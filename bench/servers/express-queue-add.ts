/** The same minimal endpoint in Express. */
import { Queue } from 'bullmq';
import express from 'express';
import { BENCH_DELAY_MS, announce, benchEnv } from './env.js';

const { port, redisPort, queueName } = benchEnv();
const queue = new Queue(queueName, { connection: { host: '127.0.0.1', port: redisPort } });
const app = express();
app.use(express.json());
app.post('/api/dm-jobqueue/register', (req, res, next) => {
  const body = req.body as { message?: string };
  queue
    .add('demo:delay_print', { message: body.message }, { delay: BENCH_DELAY_MS, attempts: 11 })
    .then((job) => res.status(201).json({ job_id: job.id, status: 'registered' }))
    .catch(next);
});
const server = app.listen(port, '127.0.0.1', () => {
  const address = server.address();
  announce(typeof address === 'object' && address ? address.port : port);
});
