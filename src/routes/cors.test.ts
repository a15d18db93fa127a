import { createTestApp } from '../../test/helpers/test-app.js';
import { describe, expect, it } from 'vitest';
import { createFakeProducer } from '../../test/fakes/fake-producer.js';
import { createFakeJobStore } from '../../test/fakes/fake-job-store.js';
import { AUTH_HEADERS, TEST_AUTH } from '../../test/helpers/api-keys.js';
import { createSilentLogger } from '../infra/log.js';
import { createRateLimit } from '../infra/rate-limit/rate-limit.js';
import { configWithRateLimit } from '../../test/helpers/test-config.js';
import { loadConfig } from '../infra/config/load-config.js';

const CORS = {
  allowed_origins: ['http://localhost:3000'],
  allowed_methods: ['GET', 'POST', 'OPTIONS'],
  allowed_headers: ['Content-Type', 'Authorization'],
  exposed_headers: ['Location', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining'],
  allow_credentials: true,
  max_age_seconds: 600,
};

function setup() {
  const rateLimit = createRateLimit(
    configWithRateLimit({ requests_per_minute: 1, requests_per_hour: 0, storage_type: 'memory' }),
    createSilentLogger(),
  );
  const app = createTestApp({
    auth: TEST_AUTH,
    cors: CORS,
    rateLimit,
    producer: createFakeProducer(),
    jobStore: createFakeJobStore(),
    logger: createSilentLogger(),
    bodyLimitBytes: 1024,
  });
  const env = { incoming: { socket: { remoteAddress: '203.0.113.9', remotePort: 1, remoteFamily: 'IPv4' } } };
  const preflight = (origin: string) =>
    app.request(
      '/api/dm-jobqueue/register',
      {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization',
        },
      },
      env,
    );
  const post = (origin: string, headers: Record<string, string> = AUTH_HEADERS) =>
    app.request(
      '/api/dm-jobqueue/register',
      { method: 'POST', headers: { origin, 'content-type': 'application/json', ...headers }, body: '{}' },
      env,
    );
  return { preflight, post };
}

describe('CORS from api.cors', () => {
  it('answers an allowed preflight before the rate limit and authentication, without counting it', async () => {
    const { preflight, post } = setup();
    for (let i = 0; i < 5; i++) {
      const response = await preflight('http://localhost:3000');
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
      expect(response.headers.get('access-control-allow-headers')).toBe('Content-Type,Authorization');
      expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST,OPTIONS');
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(response.headers.get('access-control-max-age')).toBe('600');
    }
    // The limit is 1 a minute: the preflights above did not use it.
    const created = await post('http://localhost:3000');
    expect(created.status).toBe(201);
    expect(created.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(created.headers.get('access-control-expose-headers')).toContain('X-RateLimit-Remaining');
  });

  it('sends CORS headers on 401 and 429 too, so the page can read them', async () => {
    const { post } = setup();
    const unauthorized = await post('http://localhost:3000', {});
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    await post('http://localhost:3000');
    const limited = await post('http://localhost:3000');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(limited.headers.get('access-control-expose-headers')).toContain('Retry-After');
  });

  it('never allows a disallowed origin, on the preflight or on the call, so the browser blocks it', async () => {
    const { preflight, post } = setup();
    const answer = await preflight('http://evil.example');
    expect(answer.status).toBe(204);
    const created = await post('http://evil.example');
    for (const response of [answer, created]) expect(response.headers.has('access-control-allow-origin')).toBe(false);
  });

  it('varies every answer on Origin, so that a shared cache never hands one origin the answer meant for another', async () => {
    const { post } = setup();
    for (const origin of ['http://localhost:3000', 'http://evil.example']) {
      const response = await post(origin);
      expect(response.headers.get('vary')?.split(/\s*,\s*/)).toContain('Origin');
    }
  });

  it('lets the shipped configuration cancel and reschedule from another origin (DELETE and PATCH preflights)', async () => {
    const { cors } = loadConfig({ environment: { APP_ENV: 'develop' }, dotenv: false }).app.api;
    const app = createTestApp({ cors, jobStore: createFakeJobStore() });
    for (const method of ['DELETE', 'PATCH']) {
      const response = await app.request('/api/dm-jobqueue/jobs/0b5c7e2a-3d4f-4a1b-8c9d-0e1f2a3b4c5d', {
        method: 'OPTIONS',
        headers: {
          origin: 'http://localhost:3000',
          'access-control-request-method': method,
          'access-control-request-headers': 'content-type,authorization',
        },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-methods')?.split(',')).toContain(method);
    }
  });
});
