import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaEvent } from 'hono/aws-lambda';
import { Redis } from 'ioredis';
import { AUTH_HEADERS, TEST_API_SECRET } from '../../helpers/api-keys.js';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.js';
import { uniqueQueueName } from '../../helpers/redis-config.js';

/** A sample API Gateway HTTP API (payload 2.0) event, as AWS documents it. */
function httpApiEvent(
  method: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string>,
): LambdaEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com', 'x-forwarded-for': '203.0.113.7', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' },
      requestId: 'req-1',
      authentication: null,
      authorizer: {},
      routeKey: '$default',
      stage: '$default',
      time: '01/Dec/2026:12:00:00 +0000',
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
    body: body ?? null,
  };
}

describe('the AWS Lambda entry (src/lambda.ts) against a real Redis', () => {
  let redis: RedisServer;
  const queueName = uniqueQueueName('lambda');
  const saved = { ...process.env };

  beforeAll(async () => {
    redis = await startRedisServer();
    Object.assign(process.env, {
      APP_ENV: 'test',
      API_SECRET_KEY: TEST_API_SECRET,
      REDIS_JOBQUEUE_ADDR: redis.addr,
      JOBQUEUE_QUEUE_NAME: queueName,
      LOG_LEVEL: 'silent',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await redis?.destroy();
  });

  it('registers a job from an HTTP API event, reusing its clients on the next invocation', async () => {
    const { handler } = await import('../../../src/extras/lambda/lambda.js');
    const event = httpApiEvent(
      'POST',
      '/api/dm-jobqueue/register',
      JSON.stringify({ message: 'from lambda', delay_seconds: 60 }),
      { ...AUTH_HEADERS, 'content-type': 'application/json' },
    );
    const first = await handler(event);
    expect(first.statusCode, first.body).toBe(201);
    const { job_id: jobId } = JSON.parse(first.body) as { job_id: string };
    const inspector = new Queue(queueName, { connection: { host: '127.0.0.1', port: redis.port } });
    const admin = new Redis(redis.port);
    const connections = async () =>
      String(await admin.call('CLIENT', 'LIST'))
        .split('\n')
        .filter(Boolean).length;
    try {
      expect((await inspector.getJob(jobId))?.data).toEqual({
        message: 'from lambda',
        $lifecycle: { owner: expect.any(String) as string },
      });
      const clientsBefore = await connections();
      const second = await handler(httpApiEvent('GET', `/api/dm-jobqueue/jobs/${jobId}`, undefined, AUTH_HEADERS));
      expect(second.statusCode).toBe(200);
      expect(JSON.parse(second.body)).toMatchObject({ job_id: jobId, state: 'delayed' });
      const clientsAfter = await connections();
      expect(clientsAfter).toBe(clientsBefore);
      const unauthorized = await handler(
        httpApiEvent('POST', '/api/dm-jobqueue/register', '{}', { 'content-type': 'application/json' }),
      );
      expect(unauthorized.statusCode).toBe(401);
    } finally {
      admin.disconnect();
      await inspector.close();
    }
  });
});
