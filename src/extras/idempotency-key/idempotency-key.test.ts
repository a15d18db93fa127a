import { describe, expect, it } from 'vitest';
import { createFakeIdempotencyStore } from '../../../test/extras/idempotency-key/fake-idempotency-store.js';
import { createFakeProducer } from '../../../test/fakes/fake-producer.js';
import { AUTH_HEADERS, testKey } from '../../../test/helpers/api-keys.js';
import { createTestApp } from '../../../test/helpers/test-app.js';
import { apiKeyId } from '../../infra/http/bearer-auth.js';
import type { RegistrationOutcome } from '../../jobs/register-job.js';
import { idempotencyKeyExtension } from './extra.js';
import { idempotentJobId } from './idempotent-registration.js';
import type { AnyJob } from '../../jobs/job.js';
import { createAppWithMail } from '../../../test/second-feature/app.js';

function setup() {
  const producer = createFakeProducer();
  const idempotency = createFakeIdempotencyStore(producer.find);
  const outcomes: RegistrationOutcome[] = [];
  const extensions = [idempotencyKeyExtension(idempotency)];
  const app = createTestApp({ producer, extensions, onRegistration: (_type, outcome) => outcomes.push(outcome) });
  const register = (body: unknown, key: string | undefined, headers: Record<string, string> = AUTH_HEADERS) =>
    app.request('/api/dm-jobqueue/register', {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        ...(key === undefined ? {} : { 'idempotency-key': key }),
      },
      body: JSON.stringify(body),
    });
  return { producer, idempotency, register, outcomes };
}

async function problem(response: Response) {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await response.json()) as {
    type: string;
    status: number;
    detail: string;
    errors?: { field: string; reason: string }[];
  };
}

describe('POST /register with Idempotency-Key', () => {
  it('replays the first answer for the same key and body, and stores one job', async () => {
    const { register, producer } = setup();
    const first = await register({ message: 'hi', delay_seconds: 5 }, '"order-42"');
    const second = await register({ message: 'hi', delay_seconds: 5 }, '"order-42"');
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await second.json()).toEqual(await first.json());
    expect(producer.jobs).toHaveLength(1);
  });

  it('counts a replay as replayed, not as a second stored registration', async () => {
    const { register, outcomes } = setup();
    await register({}, 'k-metrics');
    await register({}, 'k-metrics');
    expect(outcomes).toEqual(['stored', 'replayed']);
  });

  it('treats the quoted (structured-field) and the bare form of a key as the same key', async () => {
    const { register, producer } = setup();
    const quoted = (await (await register({}, '"abc-1"')).json()) as { job_id: string };
    const bare = await register({}, 'abc-1');
    expect(bare.headers.get('idempotent-replayed')).toBe('true');
    expect(((await bare.json()) as { job_id: string }).job_id).toBe(quoted.job_id);
    expect(producer.jobs).toHaveLength(1);
  });

  it('refuses the same key with a different body: 422, nothing stored', async () => {
    const { register, producer } = setup();
    await register({ message: 'first' }, 'k1');
    const response = await register({ message: 'second' }, 'k1');
    expect(response.status).toBe(422);
    expect((await problem(response)).type).toBe('urn:dm-jobqueue:problem:idempotency-key-reused');
    expect(producer.jobs.map((job) => job.data)).toEqual([{ message: 'first' }]);
  });

  it('answers 409 with Retry-After while the first request with the key is still being stored', async () => {
    const { register, producer, idempotency } = setup();
    const scope = apiKeyId((AUTH_HEADERS.authorization ?? '').replace(/^Bearer /, ''));
    idempotency.claims.add(idempotentJobId(scope, 'k2'));
    const response = await register({}, 'k2');
    expect(response.status).toBe(409);
    expect(response.headers.get('retry-after')).toBe('1');
    expect((await problem(response)).type).toBe('urn:dm-jobqueue:problem:idempotency-key-in-use');
    expect(producer.jobs).toHaveLength(0);
  });

  it.each([
    ['empty', ''],
    ['too long', 'x'.repeat(256)],
    ['a control character', 'a\tb'],
    ['non-ASCII', 'clé'],
    ['an unbalanced quote', '"abc'],
    ['a quote inside', 'a"b'],
  ])('answers 400 naming the header for a key that is %s', async (_, key) => {
    const { register, producer } = setup();
    const response = await register({}, key);
    expect(response.status).toBe(400);
    const body = await problem(response);
    expect(body.errors?.[0]?.field).toBe('Idempotency-Key (header)');
    expect(producer.jobs).toHaveLength(0);
  });

  it('scopes keys per API key: two clients with the same key get two jobs', async () => {
    const { register, producer } = setup();
    const other = { authorization: `Bearer ${await testKey(['write'])}` };
    const mine = (await (await register({}, 'shared')).json()) as { job_id: string };
    const theirs = await register({ message: 'other client' }, 'shared', other);
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(((await theirs.json()) as { job_id: string }).job_id).not.toBe(mine.job_id);
    expect(producer.jobs).toHaveLength(2);
  });

  it('stores a new job per request without a key', async () => {
    const { register, producer } = setup();
    await register({}, undefined);
    await register({}, undefined);
    expect(producer.jobs).toHaveLength(2);
  });

  it('answers 503 while the store is down, and the retry after it stores the job once', async () => {
    const { register, producer, idempotency } = setup();
    producer.setUnavailable(true);
    expect((await register({}, 'k3')).status).toBe(503);
    // The failed attempt released its claim: the retry is not told 409.
    expect(idempotency.claims.size).toBe(0);
    producer.setUnavailable(false);
    expect((await register({}, 'k3')).status).toBe(201);
    expect((await register({}, 'k3')).headers.get('idempotent-replayed')).toBe('true');
    expect(producer.jobs).toHaveLength(1);
  });
});

describe('Idempotency-Key on a second endpoint built the documented way (test/second-feature)', () => {
  it('replays its first 201 with Idempotent-Replayed and stores one job; another body with the key is 422', async () => {
    const producer = createFakeProducer<AnyJob>();
    const app = createAppWithMail(producer, {
      extensions: [idempotencyKeyExtension(createFakeIdempotencyStore(producer.find))],
    });
    const send = (body: object) =>
      app.request('/api/mail/welcome', {
        method: 'POST',
        headers: { ...AUTH_HEADERS, 'content-type': 'application/json', 'idempotency-key': 'welcome-ada' },
        body: JSON.stringify(body),
      });
    const first = await send({ to: 'ada@example.com', name: 'Ada' });
    const again = await send({ to: 'ada@example.com', name: 'Ada' });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
    expect(producer.jobs.map((job) => job.name)).toEqual(['mail:send_welcome']);
    expect((await send({ to: 'ada@example.com', name: 'Bob' })).status).toBe(422);
  });

  it('is documented on that endpoint: the header, Idempotent-Replayed on the 201, the 409 and the 422', async () => {
    const app = createAppWithMail(createFakeProducer<AnyJob>(), {
      extensions: [idempotencyKeyExtension(createFakeIdempotencyStore())],
    });
    const document = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<
        string,
        { post: { parameters: { name: string }[]; responses: Record<string, { headers: object }> } }
      >;
    };
    const operation = document.paths['/api/mail/welcome']?.post;
    expect(operation?.parameters.map((parameter) => parameter.name)).toContain('Idempotency-Key');
    expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(['201', '409', '422']));
    expect(operation?.responses['201']?.headers).toHaveProperty('Idempotent-Replayed');
  });
});
