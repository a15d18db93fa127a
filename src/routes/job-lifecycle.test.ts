import { describe, expect, it } from 'vitest';
import { createFakeJobStore } from '../../test/fakes/fake-job-store.js';
import { createFakeProducer } from '../../test/fakes/fake-producer.js';
import { AUTH_HEADERS, TEST_AUTH, testKey } from '../../test/helpers/api-keys.js';
import { createTestApp } from '../../test/helpers/test-app.js';
import { apiKeyId } from '../infra/http/bearer-auth.js';
import type { JobStatus } from '../jobs/job-status.js';
import { parseRfc3339 } from './registration.js';

const OWNER_KEY = AUTH_HEADERS.authorization?.slice('Bearer '.length) ?? '';
// Another key of the same scopes (a different token, so a different key id).
const OTHER = { authorization: `Bearer ${await testKey(['read', 'write'], TEST_AUTH, { expiresInSeconds: 3600 })}` };
const READ_ONLY = { authorization: `Bearer ${await testKey(['read'])}` };
const ID = '0b5c7e2a-3d4f-4a1b-8c9d-0e1f2a3b4c5d';

const job = (overrides: Partial<JobStatus> = {}): JobStatus => ({
  jobId: ID,
  jobType: 'mail:send_welcome',
  state: 'delayed',
  runAt: new Date(Date.now() + 600_000),
  nextRunAt: new Date(Date.now() + 600_000),
  attemptsMade: 0,
  maxRetry: 3,
  finishedAt: undefined,
  failureReason: undefined,
  expiresAt: undefined,
  owner: apiKeyId(OWNER_KEY),
  ...overrides,
});

function setup(statuses: JobStatus[] = [job()]) {
  const producer = createFakeProducer();
  const jobStore = createFakeJobStore(statuses);
  const app = createTestApp({ producer, jobStore });
  const send = (method: string, body?: unknown, headers: Record<string, string> = AUTH_HEADERS) =>
    app.request(method === 'POST' ? '/api/dm-jobqueue/register' : `/api/dm-jobqueue/jobs/${ID}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return { producer, jobStore, send };
}

const errorsOf = async (response: Response) =>
  ((await response.json()) as { errors?: { field: string; reason: string }[] }).errors ?? [];
const detailOf = async (response: Response) => ((await response.json()) as { detail: string }).detail;

describe('RFC 3339 date-times, strictly', () => {
  it.for([
    '2026-12-24T09:00:00+09:00',
    '2026-12-24T00:00:00Z',
    '2026-12-24T00:00:00.123456Z',
    '2028-02-29T23:59:59-05:30',
  ])('takes %s', (text) => expect(parseRfc3339(text)?.getTime()).toBe(Date.parse(text)));
  it.for([
    '2026-02-30T09:00:00Z',
    '2026-12-24 09:00:00Z',
    '2026-12-24T09:00:00+0900',
    '2026-12-24T09:00:00',
    '2026-12-24',
    '2026-13-01T00:00:00Z',
    '2026-12-24T24:00:00Z',
    '2026-12-24T09:00:60Z',
    '2026-12-24T09:00:00+24:00',
  ])('refuses %s', (text) => expect(parseRfc3339(text)).toBeUndefined());
});

describe('POST /register with run_at and expires_at', () => {
  it('is due at run_at: delay_seconds is the whole seconds until it, rounded up; expires_at is answered', async () => {
    const { send, producer } = setup();
    const runAt = new Date(Date.now() + 90_500);
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString().replace('Z', '+00:00');
    const response = await send('POST', { run_at: runAt.toISOString(), expires_at: expiresAt });
    expect(response.status).toBe(201);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Date.parse(body.run_at as string)).toBeGreaterThanOrEqual(runAt.getTime() - 5);
    expect(body.delay_seconds).toBeGreaterThanOrEqual(90);
    expect(body.delay_seconds).toBeLessThanOrEqual(91);
    expect(body.expires_at).toBe(new Date(expiresAt).toISOString());
    expect(producer.jobs[0]?.lifecycle).toMatchObject({ runAt: runAt.getTime(), expiresAt: Date.parse(expiresAt) });
  });

  it('takes a run_at in the past as now: delay_seconds 0', async () => {
    const response = await setup().send('POST', { run_at: '2020-01-01T00:00:00Z' });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { delay_seconds: number }).delay_seconds).toBe(0);
  });

  it.for([
    [{ run_at: '2026-02-30T09:00:00Z' }, 'run_at', /RFC 3339/],
    [{ run_at: '2026-12-24 09:00:00Z' }, 'run_at', /RFC 3339/],
    [{ run_at: '2026-12-24T09:00:00+0900' }, 'run_at', /RFC 3339/],
    [{ run_at: new Date(Date.now() + 60_000).toISOString(), delay_seconds: 5 }, 'run_at', /delay_seconds/],
    [{ run_at: new Date(Date.now() + 31 * 86_400_000).toISOString() }, 'run_at', /30 days/],
    [
      { delay_seconds: 60, expires_at: new Date(Date.now() + 30_000).toISOString() },
      'expires_at',
      /after the due time/,
    ],
    [{ expires_at: 'tomorrow' }, 'expires_at', /RFC 3339/],
  ] as const)('refuses %o naming %s', async ([body, field, reason]) => {
    const response = await setup().send('POST', body);
    expect(response.status).toBe(400);
    const errors = await errorsOf(response);
    expect(errors.map((error) => error.field)).toContain(field);
    expect(errors.find((error) => error.field === field)?.reason).toMatch(reason);
  });
});

describe('DELETE /jobs/:id (cancel)', () => {
  it('cancels a job not yet started: 200 with state cancelled, and the same 200 again', async () => {
    const { send } = setup();
    const first = await send('DELETE');
    expect(first.status).toBe(200);
    expect(((await first.json()) as { state: string }).state).toBe('cancelled');
    const again = await send('DELETE');
    expect(again.status).toBe(200);
    expect(((await again.json()) as { state: string }).state).toBe('cancelled');
  });

  it.for([
    ['active', /it is running/],
    ['completed', /it is completed/],
    ['failed', /it is failed/],
    ['expired', /it is expired/],
  ] as const)('answers 409 for a job that is %s', async ([state, detail]) => {
    const response = await setup([job({ state })]).send('DELETE');
    expect(response.status).toBe(409);
    expect(await detailOf(response)).toMatch(detail);
  });

  it("answers 404 for an unknown id and for another key's job; 403 for a read-only key", async () => {
    expect((await setup([]).send('DELETE')).status).toBe(404);
    const { send, jobStore } = setup();
    expect((await send('DELETE', undefined, OTHER)).status).toBe(404);
    expect((await send('GET', undefined, OTHER)).status).toBe(404);
    expect((await send('DELETE', undefined, READ_ONLY)).status).toBe(403);
    expect(jobStore.jobs.get(ID)?.state).toBe('delayed');
  });

  it('lets any key with the scope change a job stored before owners', async () => {
    const { send } = setup([job({ owner: undefined })]);
    expect((await send('GET', undefined, OTHER)).status).toBe(200);
    expect((await send('DELETE', undefined, OTHER)).status).toBe(200);
  });
});

describe('PATCH /jobs/:id (reschedule)', () => {
  it('moves a job that is not yet due: run_at, or delay_seconds from now; 200 with its new next_run_at', async () => {
    const { send } = setup();
    const runAt = new Date(Date.now() + 3_600_000);
    const moved = await send('PATCH', { run_at: runAt.toISOString() });
    expect(moved.status).toBe(200);
    expect(((await moved.json()) as { next_run_at: string }).next_run_at).toBe(runAt.toISOString());
    const byDelay = await send('PATCH', { delay_seconds: 120 });
    const nextRunAt = Date.parse(((await byDelay.json()) as { next_run_at: string }).next_run_at);
    expect(Math.abs(nextRunAt - (Date.now() + 120_000))).toBeLessThan(2000);
  });

  it.for([
    [{}, 'run_at', /exactly one/],
    [{ run_at: '2027-01-01T00:00:00Z', delay_seconds: 5 }, 'run_at', /exactly one/],
    [{ delay_seconds: -1 }, 'delay_seconds', /0 or more/],
    [{ run_at: '2026-02-30T00:00:00Z' }, 'run_at', /RFC 3339/],
    [{ when: 'later' }, 'when', /not a known field/],
  ] as const)('refuses the body %o naming %s', async ([body, field, reason]) => {
    const response = await setup().send('PATCH', body);
    expect(response.status).toBe(400);
    expect((await errorsOf(response)).find((error) => error.field === field)?.reason).toMatch(reason);
  });

  it('refuses a time at or after the job expires: 400', async () => {
    const { send } = setup([job({ expiresAt: new Date(Date.now() + 3_600_000) })]);
    const response = await send('PATCH', { delay_seconds: 7200 });
    expect(response.status).toBe(400);
    expect((await errorsOf(response))[0]).toMatchObject({ field: 'delay_seconds', reason: /expires_at/ });
  });

  it.for([
    [{ state: 'waiting' }, /already due/],
    [{ state: 'delayed', runAt: new Date(Date.now() - 1000) }, /already due/],
    [{ state: 'active' }, /it is running/],
    [{ state: 'completed' }, /it is completed/],
    [{ state: 'cancelled' }, /it is cancelled/],
    [{ state: 'expired' }, /it is expired/],
  ] as const)('answers 409 for %o', async ([overrides, detail]) => {
    const response = await setup([job(overrides)]).send('PATCH', { delay_seconds: 60 });
    expect(response.status).toBe(409);
    expect(await detailOf(response)).toMatch(detail);
  });

  it("answers 404 for another key's job", async () => {
    expect((await setup().send('PATCH', { delay_seconds: 60 }, OTHER)).status).toBe(404);
  });
});
