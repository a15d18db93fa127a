import { createTestApp } from '../../test/helpers/test-app.js';
import { describe, expect, it } from 'vitest';
import type { JobStatus } from '../jobs/job-status.js';
import { createFakeJobStore } from '../../test/fakes/fake-job-store.js';
import { AUTH_HEADERS } from '../../test/helpers/api-keys.js';

const JOB_ID = '3f2c1d4e-5b6a-4c7d-8e9f-0a1b2c3d4e5f';

const delayedRetry: JobStatus = {
  jobId: JOB_ID,
  jobType: 'demo:delay_print',
  state: 'delayed',
  runAt: new Date('2026-01-02T03:07:05.000Z'),
  nextRunAt: new Date('2026-01-02T03:07:40.000Z'),
  attemptsMade: 1,
  maxRetry: 10,
  finishedAt: undefined,
  failureReason: 'printer on fire',
  expiresAt: undefined,
  owner: undefined,
};

function setup(statuses: JobStatus[] = [delayedRetry]) {
  const jobStore = createFakeJobStore(statuses);
  const app = createTestApp({ jobStore });
  return {
    app,
    jobStore,
    get: (id: string) => app.request(`/api/dm-jobqueue/jobs/${id}`, { headers: AUTH_HEADERS }),
  };
}

async function problem(response: Response) {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await response.json()) as { type: string; title: string; status: number; detail: string };
}

describe('GET /api/dm-jobqueue/jobs/:id', () => {
  it('answers the job status as JSON, times in ISO 8601, nothing cached', async () => {
    const { get } = setup();
    const response = await get(JOB_ID);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      job_id: JOB_ID,
      job_type: 'demo:delay_print',
      state: 'delayed',
      run_at: '2026-01-02T03:07:05.000Z',
      next_run_at: '2026-01-02T03:07:40.000Z',
      attempts_made: 1,
      max_retry: 10,
      finished_at: null,
      failure_reason: 'printer on fire',
      expires_at: null,
    });
  });

  it('reports a finished job with its finish time and null for what does not apply', async () => {
    const { get } = setup([
      {
        ...delayedRetry,
        state: 'completed',
        nextRunAt: undefined,
        attemptsMade: 1,
        failureReason: undefined,
        finishedAt: new Date('2026-01-02T03:07:06.250Z'),
      },
    ]);
    expect(await (await get(JOB_ID)).json()).toMatchObject({
      state: 'completed',
      next_run_at: null,
      finished_at: '2026-01-02T03:07:06.250Z',
      failure_reason: null,
    });
  });

  it('answers 404 problem+json for an unknown job', async () => {
    const { get } = setup([]);
    const response = await get(JOB_ID);
    expect(response.status).toBe(404);
    expect(await problem(response)).toMatchObject({
      type: 'urn:dm-jobqueue:problem:not-found',
      title: 'Not Found',
      status: 404,
      detail: `No job with id "${JOB_ID}" (it may have finished and been removed after the retention time, or never existed)`,
    });
  });

  it.for(['job-1', '3f2c1d4e', 'bull:dm-jobqueue:delayed', `${JOB_ID}x`, '%20'])(
    'answers 404 for the malformed id %j without asking the queue',
    async (id) => {
      const { get, jobStore } = setup();
      const response = await get(encodeURIComponent(id));
      expect(response.status).toBe(404);
      expect(await problem(response)).toMatchObject({
        status: 404,
        detail: `No job with id "${id}" (job ids are UUIDs)`,
      });
      expect(jobStore.reads).toEqual([]);
    },
  );

  it('answers 503 with Retry-After while the queue is unavailable, then recovers', async () => {
    const { get, jobStore } = setup();
    jobStore.setUnavailable(true);
    const down = await get(JOB_ID);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    expect((await problem(down)).detail).toBe('Job queue service is unavailable: Redis is not connected');
    jobStore.setUnavailable(false);
    expect((await get(JOB_ID)).status).toBe(200);
  });
});
