/**
 * The register endpoint as a Fastify user would build it from the framework's
 * standard plugins, with the features ours has: CORS (@fastify/cors), a rate
 * limit in memory (@fastify/rate-limit), the same HS256 API keys (@fastify/jwt),
 * a JSON-schema body, request ids, pino logging, then a plain `queue.add`.
 */
import cors from '@fastify/cors';
import jwt from '@fastify/jwt';
import rateLimit from '@fastify/rate-limit';
import { Queue } from 'bullmq';
import Fastify, { LogController } from 'fastify';
import { randomUUID } from 'node:crypto';
import { TEST_API_SECRET } from '../../test/helpers/api-keys.js';
import { announce, benchEnv } from './env.js';

const { port, redisPort, queueName } = benchEnv();
const queue = new Queue(queueName, { connection: { host: '127.0.0.1', port: redisPort } });
// As ours: request ids from the caller's X-Request-Id or a UUID, one log line only for failures.
const app = Fastify({
  logger: { level: 'info' },
  logController: new LogController({ disableRequestLogging: true }),
  requestIdHeader: 'x-request-id',
  genReqId: () => randomUUID(),
  bodyLimit: 16_384,
});
await app.register(cors, {
  origin: ['http://localhost:3000'],
  credentials: true,
  maxAge: 600,
  exposedHeaders: ['Retry-After', 'X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'],
});
await app.register(rateLimit, { max: 100_000_000, timeWindow: 60_000 });
await app.register(jwt, { secret: TEST_API_SECRET, verify: { algorithms: ['HS256'], allowedIss: 'dm-jobqueue' } });

interface ApiKeyClaims {
  type: string;
  scope: string[];
  env: string;
}

const body = {
  type: 'object',
  additionalProperties: false,
  properties: {
    message: { type: 'string', minLength: 1, maxLength: 1000 },
    delay_seconds: { type: 'integer', minimum: 0, maximum: 2_592_000 },
    max_retry: { type: 'integer', minimum: 0, maximum: 25 },
  },
} as const;

app.post<{ Body: { message?: string; delay_seconds?: number; max_retry?: number } }>(
  '/api/dm-jobqueue/register',
  {
    schema: { body },
    onRequest: async (request, reply) => {
      const claims = await request.jwtVerify<ApiKeyClaims>();
      if (claims.type !== 'public' || claims.env !== 'test' || !claims.scope.includes('write'))
        return reply.code(403).send({ title: 'Forbidden' });
    },
  },
  async (request, reply) => {
    const delaySeconds = request.body.delay_seconds ?? 180;
    const maxRetry = request.body.max_retry ?? 10;
    const job = await queue.add(
      'demo:delay_print',
      { message: request.body.message ?? 'Job executed successfully' },
      {
        jobId: randomUUID(),
        delay: delaySeconds * 1000,
        attempts: maxRetry + 1,
        backoff: { type: 'exponential', delay: 30_000, jitter: 0.2 },
      },
    );
    reply.header('x-request-id', request.id);
    return reply.code(201).send({
      job_id: job.id,
      status: 'registered',
      job_type: 'demo:delay_print',
      delay_seconds: delaySeconds,
      max_retry: maxRetry,
      run_at: new Date(job.timestamp + delaySeconds * 1000).toISOString(),
    });
  },
);
const address = await app.listen({ port, host: '127.0.0.1' });
announce(Number(new URL(address).port));
