/**
 * A second job type and endpoint built as docs/make-it-yours.md shows get what every /api/* endpoint
 * gets, with no wiring of their own. Idempotency-Key and metrics (optional extras) check the same
 * feature in their own tests: src/routes/idempotency-key.test.ts, src/infra/metrics.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { createSilentLogger } from '../../src/infra/log.js';
import { createBullmqJobStore, createBullmqProducer, createLazyQueue } from '../../src/infra/queue/bullmq-queue.js';
import { registerJob } from '../../src/jobs/register-job.js';
import { waitUntilDrained } from '../helpers/queue-drained.js';
import type { Queue } from 'bullmq';
import { createJobWorker } from '../../src/infra/queue/bullmq-worker.js';
import { workerRedisOptions, producerRedisOptions } from '../../src/infra/redis/connection.js';
import type { AnyJob, JobDeps } from '../../src/jobs/job.js';
import { createJobRegistry, jobDefinitions } from '../../src/jobs/registry.js';
import { Redis } from 'ioredis';
import { createFakeProducer } from '../fakes/fake-producer.js';
import { AUTH_HEADERS, testKey } from '../helpers/api-keys.js';
import { redisConfigFor, uniqueQueueName } from '../helpers/redis-config.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { createAppWithMail } from './app.js';
import { sendWelcomeMail } from './send-welcome-mail.js';

const welcome = (headers: Record<string, string>, body: unknown = { to: 'ada@example.com', name: 'Ada' }) => ({
  method: 'POST',
  headers: { ...headers, 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('a second feature, built the documented way', () => {
  it('needs an API key (401) with the write scope (403), like every /api/* endpoint', async () => {
    const app = createAppWithMail(createFakeProducer<AnyJob>());
    const missing = await app.request('/api/mail/welcome', welcome({}));
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const readOnly = { authorization: `Bearer ${await testKey(['read'])}` };
    const refused = await app.request('/api/mail/welcome', welcome(readOnly));
    expect(refused.status).toBe(403);
    const problem = (await refused.json()) as { status: number; detail: string };
    expect(problem.status).toBe(403);
    expect(problem.detail).toContain('"write" scope');
  });

  it('stores its job under its own type (201), with the request id every answer has', async () => {
    const producer = createFakeProducer<AnyJob>();
    const app = createAppWithMail(producer);
    const response = await app.request(
      '/api/mail/welcome',
      welcome(AUTH_HEADERS, { to: ' ada@example.com ', name: 'Ada' }),
    );
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const body = (await response.json()) as { job_id: string; run_at: string };
    expect(producer.jobs).toEqual([
      expect.objectContaining({
        jobId: body.job_id,
        name: 'mail:send_welcome',
        data: { to: 'ada@example.com', name: 'Ada' },
        delayMs: 60_000,
        attempts: 5,
      }),
    ]);
  });

  it('answers a refused body and a refused payload with 400 problem+json naming the field', async () => {
    const producer = createFakeProducer<AnyJob>();
    const app = createAppWithMail(producer);
    const badBody = await app.request('/api/mail/welcome', welcome(AUTH_HEADERS, { to: 'ada@example.com' }));
    expect(badBody.status).toBe(400);
    expect(badBody.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await badBody.json()).toMatchObject({ errors: [{ field: 'name' }] });
    const badPayload = await app.request('/api/mail/welcome', welcome(AUTH_HEADERS, { to: 'ada', name: 'Ada' }));
    expect(await badPayload.json()).toMatchObject({
      status: 400,
      errors: [{ field: 'to', reason: 'must be an e-mail address' }],
    });
    expect(producer.jobs).toEqual([]);
  });

  it('is in /openapi.json with its 201 body, the bearer security and every shared problem answer', async () => {
    const app = createAppWithMail(createFakeProducer<AnyJob>());
    const document = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            security: unknown;
            parameters?: { name: string; in: string }[];
            responses: Record<string, { content?: object; headers?: Record<string, unknown> }>;
          }
        >
      >;
      tags: { name: string; description?: string }[];
    };
    const operation = document.paths['/api/mail/welcome']?.post;
    expect(operation?.security).toEqual([{ bearerAuth: ['write'] }]);
    // Idempotency-Key's own entries (409, 422, the header) are checked in that extra's tests.
    expect(Object.keys(operation?.responses ?? {})).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '413', '415', '429', '500', '503']),
    );
    // Declared with a description (Redocly's recommended rules want one for every tag).
    expect(document.tags.find((tag) => tag.name === 'mail')?.description).toBeTruthy();
    expect(operation?.responses['201']?.content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/WelcomeResponse' } },
    });
    for (const status of ['400', '401', '403', '413', '415', '429', '500', '503'])
      expect(operation?.responses[status]?.content).toEqual({
        'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
      });
    // The reference endpoint is still there beside it.
    expect(document.paths['/api/dm-jobqueue/register']?.post?.security).toEqual([{ bearerAuth: ['write'] }]);
  });

  it('its processor, tested with fake JobDeps', async () => {
    const printed: string[] = [];
    const deps: JobDeps = { print: (line) => printed.push(line), now: () => new Date(0), logger: createSilentLogger() };
    await sendWelcomeMail.createProcessor(deps)({ to: 'ada@example.com', name: 'Ada' }, { jobId: 'j-1', attempt: 1 });
    expect(printed).toEqual(['welcome mail to Ada <ada@example.com>']);
  });

  describe('with Redis and a worker', () => {
    const cleanup: (() => Promise<unknown> | void)[] = [];
    afterEach(async () => {
      for (const step of cleanup.splice(0).reverse()) await step();
    });

    /** A private Redis, the queue on a producer's client, and a worker (started by `startWorker`) that prints. */
    async function mailStack() {
      const redis = await startRedisServer();
      cleanup.push(() => redis.destroy());
      const location = { name: uniqueQueueName('second'), prefix: 'bull' };
      const logger = createSilentLogger();
      const client = new Redis(producerRedisOptions(redisConfigFor(redis.port)));
      client.on('error', () => undefined);
      const queue = createLazyQueue<AnyJob>({ client, location, logger });
      cleanup.push(async () => {
        await queue.close();
        client.disconnect();
      });
      await waitFor(() => client.status === 'ready', { what: 'the producer connection' });
      const printed: string[] = [];
      const startWorker = () => {
        const worker = createJobWorker({
          location,
          connection: workerRedisOptions(redisConfigFor(redis.port)),
          redisLabel: redis.addr,
          // The registry's types and this one (a service that followed the docs has it in the registry already).
          registry: createJobRegistry([
            ...jobDefinitions.filter((d) => d.type !== (sendWelcomeMail.type as string)),
            sendWelcomeMail,
          ]),
          jobDeps: { print: (line) => printed.push(line), now: () => new Date(), logger },
          settings: {
            concurrency: 2,
            keep_completed: { count: 10, age_seconds: 0 },
            keep_failed: { count: 10, age_seconds: 0 },
          },
          logger,
        });
        cleanup.push(() => worker.close());
        void worker.run();
      };
      const producer = createBullmqProducer<AnyJob>({ queue, logger });
      const jobStore = createBullmqJobStore({ queue: queue as never, logger });
      return { queue, printed, startWorker, producer, app: createAppWithMail(producer, { jobStore }) };
    }

    it('a worker whose registry lists it runs the job the endpoint stored', async () => {
      const { queue, printed, startWorker, app } = await mailStack();
      startWorker();
      const body = { to: 'grace@example.com', name: 'Grace' };
      const response = await app.request('/api/mail/welcome', welcome(AUTH_HEADERS, body));
      expect(response.status).toBe(201);
      const { job_id: jobId } = (await response.json()) as { job_id: string };
      // Due in a minute: promoted now, as the dashboard's "promote" would, so the test need not wait.
      await (await queue.current().getJob(jobId))?.promote();
      await waitFor(() => printed.includes('welcome mail to Grace <grace@example.com>'), {
        timeoutMs: 15_000,
        what: 'the worker to run the mail job',
      });
      expect(await queue.current().getJobState(jobId)).toBe('completed');
    });

    it('its jobs are read, cancelled, rescheduled and expire by id like the reference ones', async () => {
      const { queue, printed, startWorker, producer, app } = await mailStack();
      const send = async (name: string) => {
        const response = await app.request(
          '/api/mail/welcome',
          welcome(AUTH_HEADERS, { to: `${name}@example.com`, name }),
        );
        return ((await response.json()) as { job_id: string }).job_id;
      };
      const job = (id: string, method = 'GET', body?: object) =>
        app.request(`/api/dm-jobqueue/jobs/${id}`, {
          method,
          headers: { ...AUTH_HEADERS, ...(body && { 'content-type': 'application/json' }) },
          ...(body && { body: JSON.stringify(body) }),
        });
      const state = async (id: string) => ((await (await job(id)).json()) as { state: string }).state;
      // Expiry comes with registerJob, for any job type: due at once, expired before a worker is there.
      const expiring = await registerJob({ producer }, sendWelcomeMail, {
        payload: { to: 'late@example.com', name: 'Late' },
        runAt: new Date(),
        expiresAt: new Date(Date.now() + 200),
      });
      const [cancelled, moved] = [await send('Ada'), await send('Grace')];
      expect(await (await job(cancelled)).json()).toMatchObject({ job_type: 'mail:send_welcome', state: 'delayed' });
      expect((await job(cancelled, 'DELETE')).status).toBe(200);
      expect((await job(moved, 'PATCH', { delay_seconds: 1 })).status).toBe(200);
      await waitFor(async () => (await state(expiring.jobId)) === 'expired', { what: 'the mail job to expire' });
      startWorker();
      await waitUntilDrained(queue.current() as unknown as Queue, 'the mail jobs to end', 15_000);
      expect(printed).toEqual(['welcome mail to Grace <Grace@example.com>']);
      expect([await state(cancelled), await state(moved), await state(expiring.jobId)]).toEqual([
        'cancelled',
        'completed',
        'expired',
      ]);
    });
  });
});
