import { createTestApp } from '../../../test/helpers/test-app.js';
import { sign } from 'hono/jwt';
import { describe, expect, it } from 'vitest';
import { createFakeProducer } from '../../../test/fakes/fake-producer.js';
import { createFakeJobStore } from '../../../test/fakes/fake-job-store.js';
import { TEST_AUTH, testKey } from '../../../test/helpers/api-keys.js';
import { createSilentLogger } from '../log.js';

function setup() {
  const producer = createFakeProducer();
  const app = createTestApp({
    auth: TEST_AUTH,
    producer,
    jobStore: createFakeJobStore(),
    logger: createSilentLogger(),
    bodyLimitBytes: 1024,
  });
  const register = (authorization?: string) =>
    app.request('/api/dm-jobqueue/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
      body: '{}',
    });
  return { app, producer, register };
}

async function problem(response: Response) {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await response.json()) as { status: number; title: string; detail: string };
}

describe('bearer API keys on /api/*', () => {
  it('registers with a read+write key', async () => {
    const { register, producer } = setup();
    expect((await register(`Bearer ${await testKey()}`)).status).toBe(201);
    expect(producer.jobs).toHaveLength(1);
  });

  it.for([
    ['no header', undefined, 'Authorization header is required', 'Bearer realm="dm-jobqueue"'],
    ['an empty header', '', 'Authorization header is required', 'Bearer realm="dm-jobqueue"'],
    [
      'another scheme',
      'Basic dXNlcjpwYXNz',
      'Invalid authorization header format',
      'Bearer realm="dm-jobqueue", error="invalid_request"',
    ],
    [
      'a token that is not a JWT',
      'Bearer not-a-jwt',
      'Invalid authorization header format',
      'Bearer realm="dm-jobqueue", error="invalid_request"',
    ],
  ] as const)('answers 401 for %s, saying what to send', async ([, header, detail, challenge]) => {
    const { register, producer } = setup();
    const response = await register(header);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(challenge);
    expect((await problem(response)).detail).toContain(detail);
    expect(producer.jobs).toEqual([]);
  });

  it('answers 401 for a forged, expired, foreign or revoked key without saying why a signature failed', async () => {
    const { register, producer } = setup();
    const forged = await testKey(['read', 'write'], {
      ...TEST_AUTH,
      secret: 'another-secret-0123456789abcdef0123456789',
    });
    const expired = await testKey(['write'], TEST_AUTH, {
      expiresInSeconds: 60,
      now: Math.floor(Date.now() / 1000) - 120,
    });
    const staging = await testKey(['write'], { ...TEST_AUTH, env: 'staging' });
    const otherIssuer = await testKey(['write'], { ...TEST_AUTH, issuer: 'someone-else' });
    const noneAlg = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"iss":"dm-jobqueue","type":"public","scope":["write"],"env":"test"}').toString('base64url')}.`;
    const cases: [string, string][] = [
      [forged, 'The API key is not valid for this API'],
      [noneAlg, 'The API key is not valid for this API'],
      [expired, 'The API key has expired'],
      [staging, 'The API key is for APP_ENV=staging, and this API runs as test'],
      [otherIssuer, 'The API key was issued for another service'],
    ];
    for (const [token, detail] of cases) {
      const response = await register(`Bearer ${token}`);
      expect(response.status, detail).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="dm-jobqueue", error="invalid_token"');
      const body = await problem(response);
      expect(body.detail).toContain(detail);
      expect(body.detail).not.toMatch(/signature|mismatch|HMAC/i);
    }
    expect(producer.jobs).toEqual([]);
  });

  it('answers 403 with the scope it needs when the key lacks it', async () => {
    const { app, register } = setup();
    const readOnly = await register(`Bearer ${await testKey(['read'])}`);
    expect(readOnly.status).toBe(403);
    expect(readOnly.headers.get('www-authenticate')).toBe(
      'Bearer realm="dm-jobqueue", error="insufficient_scope", scope="write"',
    );
    expect((await problem(readOnly)).detail).toContain('"write" scope');
    const status = await app.request('/api/dm-jobqueue/jobs/8a0b7d5e-1c2f-4a3b-9c4d-5e6f7a8b9c0d', {
      headers: { authorization: `Bearer ${await testKey(['write'])}` },
    });
    expect(status.status).toBe(403);
    expect((await problem(status)).detail).toContain('"read" scope');
  });

  it("accepts a key of the original Go template's shape (scope list, type, version, env) when api.auth.issuer names it", async () => {
    const settings = { ...TEST_AUTH, issuer: 'go-webdb-template' };
    const app = createTestApp({
      auth: settings,
      producer: createFakeProducer(),
      jobStore: createFakeJobStore(),
      logger: createSilentLogger(),
      bodyLimitBytes: 1024,
    });
    const original = await sign(
      {
        iss: 'go-webdb-template',
        sub: 'public_client',
        type: 'public',
        scope: ['read', 'write'],
        iat: 1_700_000_000,
        version: 'v1',
        env: 'test',
      },
      settings.secret,
      'HS256',
    );
    const response = await app.request('/api/dm-jobqueue/register', {
      method: 'POST',
      headers: { authorization: `Bearer ${original}` },
    });
    expect(response.status).toBe(201);
  });

  it('refuses keys of a version listed in api.auth.invalid_versions', async () => {
    const settings = { ...TEST_AUTH, invalidVersions: ['1'] };
    const app = createTestApp({
      auth: settings,
      producer: createFakeProducer(),
      jobStore: createFakeJobStore(),
      logger: createSilentLogger(),
      bodyLimitBytes: 1024,
    });
    const response = await app.request('/api/dm-jobqueue/register', {
      method: 'POST',
      headers: { authorization: `Bearer ${await testKey()}` },
    });
    expect(response.status).toBe(401);
    expect((await problem(response)).detail).toContain('revoked');
  });

  it('leaves /health and the API docs open', async () => {
    const { app } = setup();
    expect((await app.request('/health')).status).toBe(200);
    expect((await app.request('/docs')).status).toBe(200);
  });
});
