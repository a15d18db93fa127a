import { createTestApp } from '../../test/helpers/test-app.js';
import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../infra/log.js';
import { createFakeProducer } from '../../test/fakes/fake-producer.js';
import { createFakeJobStore } from '../../test/fakes/fake-job-store.js';
import { AUTH_HEADERS, TEST_AUTH } from '../../test/helpers/api-keys.js';

const NOW = Date.parse('2026-01-02T03:04:05.000Z');

function setup() {
  const producer = createFakeProducer({ now: () => NOW });
  let counter = 0;
  const app = createTestApp({
    auth: TEST_AUTH,
    producer,
    jobStore: createFakeJobStore(),
    logger: createSilentLogger(),
    bodyLimitBytes: 1024,
    newJobId: () => `job-${++counter}`,
  });
  const register = (body?: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    app.request('/api/dm-jobqueue/register', {
      method: 'POST',
      headers: { ...AUTH_HEADERS, ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  return { app, producer, register };
}

async function problem(response: Response) {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await response.json()) as {
    type: string;
    title: string;
    status: number;
    detail: string;
    errors?: { field: string; reason: string }[];
  };
}

describe('POST /api/dm-jobqueue/register', () => {
  it('registers demo:delay_print with the job type defaults when the body is empty', async () => {
    const { register, producer } = setup();
    const response = await register({});
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({
      job_id: 'job-1',
      status: 'registered',
      job_type: 'demo:delay_print',
      delay_seconds: 180,
      max_retry: 10,
      run_at: new Date(NOW + 180_000).toISOString(),
      expires_at: null,
    });
    expect(producer.jobs).toEqual([
      {
        jobId: 'job-1',
        name: 'demo:delay_print',
        data: { message: 'Job executed successfully' },
        delayMs: 180_000,
        attempts: 11,
        backoff: { type: 'exponential', delayMs: 30_000, jitter: 0.2 },
        // The API key that registered it owns it.
        lifecycle: { owner: expect.any(String) as string },
      },
    ]);
  });

  it('accepts a request with no body and no content type', async () => {
    const { register } = setup();
    const response = await register(undefined, {});
    expect(response.status).toBe(201);
  });

  it('uses the given message (trimmed), delay and retry count', async () => {
    const { register, producer } = setup();
    const response = await register({ message: '  hello  ', delay_seconds: 0, max_retry: 0 });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { run_at: string };
    expect(body.run_at).toBe(new Date(NOW).toISOString());
    expect(producer.jobs[0]).toMatchObject({ data: { message: 'hello' }, delayMs: 0, attempts: 1 });
  });

  it.for(['👨\u200D👩\u200D👧 family', 'می\u200Cخواهم', 'ｗｉｄｅ　ｓｐａｃｅ'])(
    'accepts real text that needs joiners or wide spaces: %s',
    async (message) => {
      const { register, producer } = setup();
      expect((await register({ message })).status).toBe(201);
      expect(producer.jobs[0]?.data).toEqual({ message });
    },
  );

  it('gives every job an unguessable id by default', async () => {
    const producer = createFakeProducer();
    const app = createTestApp({
      auth: TEST_AUTH,
      producer,
      jobStore: createFakeJobStore(),
      logger: createSilentLogger(),
      bodyLimitBytes: 1024,
    });
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const response = await app.request('/api/dm-jobqueue/register', { method: 'POST', headers: AUTH_HEADERS });
      ids.add(((await response.json()) as { job_id: string }).job_id);
    }
    expect(ids.size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it.for([
    [{ delay_seconds: 'soon' }, 'delay_seconds', 'must be a number'],
    [{ delay_seconds: 1.5 }, 'delay_seconds', 'must be a whole number'],
    [{ delay_seconds: -1 }, 'delay_seconds', 'must be 0 or more'],
    [{ delay_seconds: 2_592_001 }, 'delay_seconds', 'must be at most 2592000 (30 days)'],
    [{ max_retry: 26 }, 'max_retry', 'must be at most 25'],
    [{ max_retry: null }, 'max_retry', 'must be a number'],
    [{ message: '   ' }, 'message', 'must not be empty'],
    [{ message: 42 }, 'message', 'must be a string'],
    [{ message: 'x'.repeat(1001) }, 'message', 'must be at most 1000 characters'],
    // Blank-looking: Hangul fillers, ZWNJ alone, the blank Braille pattern, no-break and ideographic spaces.
    ...['\u3164', '\u200C', '\u2800', '\u115F', '\u1160', '\uFFA0', '\u3164\u2800\u200D'].map(
      (message) => [{ message }, 'message', 'must contain a visible character'] as const,
    ),
    [
      { message: 'line\nbreak' },
      'message',
      'must not contain U+000A (a control character (newline, tab, escape, …)) at position 4',
    ],
    [
      { message: 'esc\u001b[2J' },
      'message',
      'must not contain U+001B (a control character (newline, tab, escape, …)) at position 3',
    ],
    [
      { message: 'invoice\u202Efdp.exe' },
      'message',
      'must not contain U+202E (an invisible format character that can reorder or hide text) at position 7',
    ],
    [
      { message: 'zero\u200Bwidth' },
      'message',
      'must not contain U+200B (an invisible format character that can reorder or hide text) at position 4',
    ],
    [{ message: 'two\u2028lines' }, 'message', 'must not contain U+2028 (a line or paragraph separator) at position 3'],
    [
      { message: 'para\u2029graph' },
      'message',
      'must not contain U+2029 (a line or paragraph separator) at position 4',
    ],
    [
      { message: 'half \uD800 pair' },
      'message',
      'must not contain U+D800 (a lone surrogate (not a valid character)) at position 5',
    ],
    [
      { message: '😀\u202Eab' },
      'message',
      'must not contain U+202E (an invisible format character that can reorder or hide text) at position 1',
    ],
    [{ delay: 5 }, 'delay', 'is not a known field'],
    [[1, 2], '(body)', 'must be a JSON object'],
    ['"text"', '(body)', 'must be a JSON object'],
  ] as const)('answers 400 naming the field (case %#)', async ([body, field, reason]) => {
    const { register, producer } = setup();
    const response = await register(body);
    expect(response.status).toBe(400);
    const details = await problem(response);
    expect(details).toMatchObject({
      status: 400,
      title: 'Invalid request body',
      type: 'urn:dm-jobqueue:problem:validation-error',
    });
    expect(details.errors).toContainEqual({ field, reason });
    expect(details.detail).toContain(`${field}: ${reason}`);
    expect(producer.jobs).toHaveLength(0);
  });

  it('lists every invalid field at once', async () => {
    const { register } = setup();
    const details = await problem(await register({ delay_seconds: -1, max_retry: 'x' }));
    expect(details.errors?.map((error) => error.field)).toEqual(['delay_seconds', 'max_retry']);
  });

  it('answers 400 for malformed JSON', async () => {
    const { register } = setup();
    const response = await register('{"message": ');
    expect(response.status).toBe(400);
    expect((await problem(response)).detail).toMatch(/Malformed JSON/);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const { register, producer } = setup();
    const response = await register('message=hi', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(415);
    expect((await problem(response)).detail).toContain('application/x-www-form-urlencoded');
    expect(producer.jobs).toHaveLength(0);
  });

  it('answers 413 for a body over the limit', async () => {
    const { register, producer } = setup();
    const response = await register({ message: 'x'.repeat(2000) });
    expect(response.status).toBe(413);
    expect((await problem(response)).detail).toBe('The request body must be at most 1024 bytes');
    expect(producer.jobs).toHaveLength(0);
  });

  it('answers 503 with the contract message while the queue is unavailable, then recovers', async () => {
    const { register, producer } = setup();
    producer.setUnavailable(true);
    const down = await register({});
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    expect((await problem(down)).detail).toBe('Job queue service is unavailable: Redis is not connected');
    producer.setUnavailable(false);
    expect((await register({})).status).toBe(201);
  });

  it('hides unexpected errors behind a generic 500', async () => {
    const app = createTestApp({
      auth: TEST_AUTH,
      producer: { enqueue: async () => Promise.reject(new Error('secret internals')) },
      jobStore: createFakeJobStore(),
      logger: createSilentLogger(),
      bodyLimitBytes: 1024,
    });
    const response = await app.request('/api/dm-jobqueue/register', { method: 'POST', headers: AUTH_HEADERS });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('secret');
  });

  it('answers unknown routes with a 404 problem', async () => {
    const { app } = setup();
    const response = await app.request('/api/nope', { headers: AUTH_HEADERS });
    expect(response.status).toBe(404);
    expect((await problem(response)).title).toBe('Not Found');
  });
});
