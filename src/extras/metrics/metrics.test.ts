import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/helpers/test-app.js';
import { AUTH_HEADERS } from '../../../test/helpers/api-keys.js';
import { apiMetricsExtension } from './extra.js';
import { createApiMetrics, createWorkerMetrics } from './metrics.js';
import type { AnyJob } from '../../jobs/job.js';
import { createFakeProducer } from '../../../test/fakes/fake-producer.js';
import { createAppWithMail } from '../../../test/second-feature/app.js';

const SCRAPE = { username: 'ops', password: 'correct horse battery' };
const basic = { authorization: `Basic ${Buffer.from('ops:correct horse battery').toString('base64')}` };

/** The sample lines of `name` in a scrape, `{labels} value` each. */
function series(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`));
}

describe('metrics from the first scrape', () => {
  it('the API exports every registration outcome and every status of its API routes at 0 before any request', async () => {
    const app = createTestApp({ extensions: [apiMetricsExtension(SCRAPE)] });
    const text = await (await app.request('/metrics', { headers: basic })).text();
    // The reference type's series (a service's own types add theirs).
    expect(
      series(text, 'dm_jobqueue_jobs_registered_total').filter((line) => line.includes('demo:delay_print')),
    ).toEqual(
      ['stored', 'replayed', 'rejected', 'redis_unavailable'].map(
        (outcome) => `dm_jobqueue_jobs_registered_total{job_type="demo:delay_print",outcome="${outcome}"} 0`,
      ),
    );
    for (const status of ['201', '400', '401', '429', '503'])
      expect(text).toContain(
        `http_requests_total{method="POST",route="/api/dm-jobqueue/register",status="${status}"} 0`,
      );
    expect(text).toContain('http_requests_total{method="GET",route="/api/dm-jobqueue/jobs/:id",status="404"} 0');
    expect(text).toContain('http_request_duration_seconds_count{method="POST",route="/api/dm-jobqueue/register"} 0');
  });

  it('a refused request is counted under the route it asked for, so the zeroed series moves', async () => {
    const metrics = createApiMetrics();
    const app = createTestApp({ extensions: [apiMetricsExtension(SCRAPE, metrics)] });
    await app.request('/api/dm-jobqueue/register', { method: 'POST' });
    await app.request('/api/dm-jobqueue/register', {
      method: 'POST',
      headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
      body: '{"delay_seconds":-1}',
    });
    const text = await (await app.request('/metrics', { headers: basic })).text();
    expect(text).toContain('http_requests_total{method="POST",route="/api/dm-jobqueue/register",status="401"} 1');
    expect(text).toContain('http_requests_total{method="POST",route="/api/dm-jobqueue/register",status="400"} 1');
    expect(text).toContain('dm_jobqueue_jobs_registered_total{job_type="demo:delay_print",outcome="rejected"} 1');
  });

  it('the worker exports each counter at 0 for every registry type and `unknown`, and folds foreign names into `unknown`', async () => {
    const { registry, events } = createWorkerMetrics(['demo:delay_print'], async () => ({ waiting: 3, delayed: 2 }));
    const first = await registry.metrics();
    for (const name of ['completed', 'failed', 'retried', 'cancelled', 'expired'])
      expect(series(first, `dm_jobqueue_jobs_${name}_total`)).toEqual([
        `dm_jobqueue_jobs_${name}_total{job_type="demo:delay_print"} 0`,
        `dm_jobqueue_jobs_${name}_total{job_type="unknown"} 0`,
      ]);
    expect(first).toContain('dm_jobqueue_jobs_stalled_total 0');
    expect(first).toContain('dm_jobqueue_job_start_lateness_seconds_count{job_type="demo:delay_print"} 0');
    expect(series(first, 'dm_jobqueue_queue_jobs')).toEqual([
      'dm_jobqueue_queue_jobs{state="waiting"} 3',
      'dm_jobqueue_queue_jobs{state="delayed"} 2',
    ]);
    for (let n = 0; n < 10; n++) events.failed(`foreign:${n}`, false);
    events.cancelled?.('demo:delay_print');
    events.expired?.('demo:delay_print');
    const after = await registry.metrics();
    // Ended without running: counted apart from completed and failed.
    expect(after).toContain('dm_jobqueue_jobs_cancelled_total{job_type="demo:delay_print"} 1');
    expect(after).toContain('dm_jobqueue_jobs_expired_total{job_type="demo:delay_print"} 1');
    expect(after).toContain('dm_jobqueue_jobs_completed_total{job_type="demo:delay_print"} 0');
    expect(series(after, 'dm_jobqueue_jobs_failed_total')).toEqual([
      'dm_jobqueue_jobs_failed_total{job_type="demo:delay_print"} 0',
      'dm_jobqueue_jobs_failed_total{job_type="unknown"} 10',
    ]);
  });

  it('a scrape while Redis is unreachable lacks the queue depth instead of failing or showing stale counts', async () => {
    let up = true;
    const { registry } = createWorkerMetrics(['demo:delay_print'], async () => {
      if (!up) throw new Error('Redis is not connected');
      return { waiting: 1 };
    });
    expect(series(await registry.metrics(), 'dm_jobqueue_queue_jobs')).toHaveLength(1);
    up = false;
    const text = await registry.metrics();
    expect(series(text, 'dm_jobqueue_queue_jobs')).toEqual([]);
    expect(text).toContain('dm_jobqueue_jobs_completed_total{job_type="unknown"} 0');
  });

  it('a second endpoint built the documented way (test/second-feature) counts its registrations under its own job_type', async () => {
    const metrics = createApiMetrics(['demo:delay_print', 'mail:send_welcome']);
    const app = createAppWithMail(createFakeProducer<AnyJob>(), { extensions: [apiMetricsExtension(SCRAPE, metrics)] });
    const send = (body: object) =>
      app.request('/api/mail/welcome', {
        method: 'POST',
        headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const before = await (await app.request('/metrics', { headers: basic })).text();
    expect(before).toContain('dm_jobqueue_jobs_registered_total{job_type="mail:send_welcome",outcome="stored"} 0');
    expect((await send({ to: 'ada@example.com', name: 'Ada' })).status).toBe(201);
    expect((await send({ to: 'ada@example.com', name: 'Bob' })).status).toBe(201);
    expect((await send({ to: 'ada' })).status).toBe(400);
    const text = await (await app.request('/metrics', { headers: basic })).text();
    expect(text).toContain('dm_jobqueue_jobs_registered_total{job_type="mail:send_welcome",outcome="stored"} 2');
    expect(text).toContain('dm_jobqueue_jobs_registered_total{job_type="mail:send_welcome",outcome="rejected"} 1');
    expect(text).toContain('dm_jobqueue_jobs_registered_total{job_type="demo:delay_print",outcome="stored"} 0');
    expect(text).toContain('http_requests_total{method="POST",route="/api/mail/welcome",status="201"} 2');
  });
});

describe('/metrics login', () => {
  it('needs the metrics login: none or another is 401', async () => {
    const app = createTestApp({ extensions: [apiMetricsExtension(SCRAPE)] });
    const login = (user: string, password: string) => ({
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
    });
    expect((await app.request('/metrics')).status).toBe(401);
    expect((await app.request('/metrics', login('admin', 'nope'))).status).toBe(401);
    expect((await app.request('/metrics', login(SCRAPE.username, SCRAPE.password))).status).toBe(200);
  });
});
