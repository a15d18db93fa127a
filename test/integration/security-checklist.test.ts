import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createDashboardApp, DASHBOARD_BODY_LIMIT_BYTES } from '../../src/infra/admin/queue-dashboard.js';
import { AUTH_HEADERS } from '../helpers/api-keys.js';
import { useRedisFixture } from '../helpers/redis-fixture.js';
import { uniqueQueueName } from '../helpers/redis-config.js';
import { createTestApp } from '../helpers/test-app.js';

const READS_NO_BODY = new Set(['GET', 'HEAD', 'OPTIONS']);
const ADMIN = { username: 'admin', password: 'correct horse battery' };
const SCRAPE = { username: 'prometheus', password: 'scrape only, staple' };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Every concrete route of an app that may read a body, with its path parameters filled in. */
function bodyRoutes(app: { routes: { method: string; path: string }[] }) {
  const seen = new Set<string>();
  return app.routes
    .filter((route) => !READS_NO_BODY.has(route.method) && route.method !== 'ALL' && !route.path.includes('*'))
    .map((route) => ({ method: route.method, path: route.path.replace(/:\w+/g, 'x') }))
    .filter((route) => !seen.has(`${route.method} ${route.path}`) && seen.add(`${route.method} ${route.path}`));
}

describe('security checklist', () => {
  const fixture = useRedisFixture();

  it('the API answers 413 on every route that reads a body, before the route runs', async () => {
    const limit = 1024;
    const app = createTestApp({ bodyLimitBytes: limit });
    const routes = bodyRoutes(app);
    expect(routes.map((route) => `${route.method} ${route.path}`)).toContain('POST /api/dm-jobqueue/register');
    for (const route of routes) {
      const response = await app.request(route.path, {
        method: route.method,
        headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
        body: 'x'.repeat(limit + 1),
      });
      expect(response.status, `${route.method} ${route.path}`).toBe(413);
    }
  });

  it('the dashboard refuses every route without credentials (wrong password of any length too) and limits every body', async () => {
    const queue = new Queue(uniqueQueueName('security'), {
      connection: { host: '127.0.0.1', port: fixture.redis.port },
    });
    try {
      const app = createDashboardApp({ queue, credentials: ADMIN, readOnly: false });
      const everyRoute = app.routes
        .filter((route) => route.method !== 'ALL')
        .map((route) => ({ method: route.method, path: route.path.replace(/:\w+/g, 'x').replace('*', 'x') }));
      expect(everyRoute.length).toBeGreaterThan(5);
      for (const route of everyRoute) {
        for (const authorization of [
          undefined,
          basic('admin', 'wrong'),
          basic('admin', `${ADMIN.password}x`),
          basic('root', ADMIN.password),
        ]) {
          const response = await app.request(route.path, {
            method: route.method,
            headers: authorization ? { authorization } : {},
          });
          // 401, or 429 once this address has spent its failed logins (basic-auth-throttle.ts): never let in.
          expect([401, 429], `${route.method} ${route.path} with ${authorization ?? 'no credentials'}`).toContain(
            response.status,
          );
        }
      }
      // A fresh app: the guesses above have spent this address's failed logins.
      const fresh = createDashboardApp({ queue, credentials: ADMIN, readOnly: false });
      const writes = bodyRoutes(fresh);
      expect(writes.length).toBeGreaterThan(3);
      for (const route of writes) {
        const response = await fresh.request(route.path, {
          method: route.method,
          headers: { authorization: basic(ADMIN.username, ADMIN.password), 'content-type': 'application/json' },
          body: 'x'.repeat(DASHBOARD_BODY_LIMIT_BYTES + 1),
        });
        expect(response.status, `${route.method} ${route.path}`).toBe(413);
      }
      const page = await fresh.request('/admin/queues', {
        headers: { authorization: basic(ADMIN.username, ADMIN.password) },
      });
      expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    } finally {
      await queue.close();
    }
  });

  it('the page and the docs carry a same-origin CSP; /metrics needs the metrics login', async () => {
    const app = createTestApp({
      metrics: (await import('../../src/infra/metrics.js')).createApiMetrics(),
      metricsCredentials: SCRAPE,
    });
    for (const path of ['/dm-jobqueue', '/docs']) {
      const csp = (await app.request(path)).headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'none'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
    }
    expect((await app.request('/metrics')).status).toBe(401);
    expect((await app.request('/metrics', { headers: { authorization: basic('admin', 'nope') } })).status).toBe(401);
    expect(
      (await app.request('/metrics', { headers: { authorization: basic(SCRAPE.username, SCRAPE.password) } })).status,
    ).toBe(200);
  });
});
