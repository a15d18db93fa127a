import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../scripts/lib/wait-for.js';
import { AUTH_HEADERS } from '../../helpers/api-keys.js';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.js';
import { startStack, type Stack } from '../../helpers/stack.js';

const LOGINS = {
  ADMIN_USER: 'ops',
  ADMIN_PASSWORD: 'correct horse battery',
  METRICS_USER: 'prometheus',
  METRICS_PASSWORD: 'scrape only, staple',
};
const basicOf = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const basic = basicOf(LOGINS.METRICS_USER, LOGINS.METRICS_PASSWORD);
const adminBasic = basicOf(LOGINS.ADMIN_USER, LOGINS.ADMIN_PASSWORD);

/** The value of the first sample line matching `name{…labels…}`, or 0. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const line = text
    .split('\n')
    .find(
      (entry) =>
        entry.startsWith(`${name}{`) &&
        Object.entries(labels).every(([key, value]) => entry.includes(`${key}="${value}"`)),
    );
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('Prometheus metrics of the real processes', () => {
  let redis: RedisServer;
  let stack: Stack;
  const metricsUrl = () => [`${stack.baseUrl}/metrics`, stack.healthUrl.replace(/\/health$/, '/metrics')] as const;
  const scrape = async (url: string) => {
    const response = await fetch(url, { headers: { authorization: basic } });
    expect(response.status, url).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };

  beforeAll(async () => {
    redis = await startRedisServer();
    stack = await startStack(redis, 'metrics', LOGINS);
  });
  afterAll(async () => {
    await stack?.stop();
    await redis?.destroy();
  });

  it('refuses a scrape without the metrics login, on both processes, and the dashboard login does not scrape', async () => {
    for (const url of metricsUrl()) {
      const response = await fetch(url);
      expect(response.status, url).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
      expect((await fetch(url, { headers: { authorization: adminBasic } })).status, url).toBe(401);
    }
  });

  it('the metrics login cannot open the dashboard, whose own login can', async () => {
    const dashboard = `${stack.adminUrl}/admin/queues`;
    expect((await fetch(dashboard, { headers: { authorization: basic } })).status).toBe(401);
    expect((await fetch(dashboard, { headers: { authorization: adminBasic } })).status).toBe(200);
  });

  it('moves with real traffic: requests, registrations, completions, lateness and queue depth', async () => {
    const [apiUrl, workerUrl] = metricsUrl();
    const register = (body: unknown, headers = AUTH_HEADERS) =>
      fetch(`${stack.baseUrl}/api/dm-jobqueue/register`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await waitFor(async () => (await register({ message: 'warm-up', delay_seconds: 0 })).status === 201, {
      what: 'the API to reach Redis',
    });
    const apiBefore = await scrape(apiUrl);
    const workerBefore = await waitFor(
      async () => {
        const text = await scrape(workerUrl);
        return sample(text, 'dm_jobqueue_jobs_completed_total', { job_type: 'demo:delay_print' }) >= 1
          ? text
          : undefined;
      },
      { what: 'the warm-up job to complete' },
    );

    for (let i = 0; i < 5; i++)
      expect((await register({ message: `counted ${i}`, delay_seconds: 0 })).status).toBe(201);
    expect((await register({ delay_seconds: -1 })).status).toBe(400);
    expect((await register({}, {})).status).toBe(401);

    const api = await scrape(apiUrl);
    const delta = (name: string, labels: Record<string, string>) =>
      sample(api, name, labels) - sample(apiBefore, name, labels);
    expect(delta('dm_jobqueue_jobs_registered_total', { job_type: 'demo:delay_print', outcome: 'stored' })).toBe(5);
    expect(delta('dm_jobqueue_jobs_registered_total', { job_type: 'demo:delay_print', outcome: 'rejected' })).toBe(1);
    expect(delta('http_requests_total', { route: '/api/dm-jobqueue/register', status: '201' })).toBe(5);
    expect(
      delta('http_requests_total', { route: '/api/dm-jobqueue/register', status: '401' }) +
        delta('http_requests_total', { route: '/api/*', status: '401' }),
    ).toBe(1);
    expect(
      sample(api, 'http_request_duration_seconds_count', { route: '/api/dm-jobqueue/register' }),
    ).toBeGreaterThanOrEqual(7);
    expect(api).toContain('process_resident_memory_bytes');

    const worker = await waitFor(
      async () => {
        const text = await scrape(workerUrl);
        const done =
          sample(text, 'dm_jobqueue_jobs_completed_total', { job_type: 'demo:delay_print' }) -
          sample(workerBefore, 'dm_jobqueue_jobs_completed_total', { job_type: 'demo:delay_print' });
        return done >= 5 ? text : undefined;
      },
      { what: 'the five jobs to complete' },
    );
    expect(
      sample(worker, 'dm_jobqueue_job_start_lateness_seconds_count', { job_type: 'demo:delay_print' }),
    ).toBeGreaterThanOrEqual(6);
    expect(
      sample(worker, 'dm_jobqueue_job_processing_seconds_count', { job_type: 'demo:delay_print' }),
    ).toBeGreaterThanOrEqual(6);
    // Queue depth read from Redis at scrape time; BullMQ's own export (its counters stay 0 without the Worker's `metrics` option) is not served.
    expect(sample(worker, 'dm_jobqueue_queue_jobs', { state: 'completed' })).toBeGreaterThanOrEqual(6);
    expect(worker).not.toContain('bullmq_');
  });
});
