import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createDashboardApp, DASHBOARD_BODY_LIMIT_BYTES } from '../../../src/extras/dashboard/queue-dashboard.js';
import { useRedisFixture } from '../../helpers/redis-fixture.js';
import { uniqueQueueName } from '../../helpers/redis-config.js';
import { bodyRoutes } from '../../helpers/body-routes.js';

const ADMIN = { username: 'admin', password: 'correct horse battery' };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('security checklist: the dashboard', () => {
  const fixture = useRedisFixture();

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
});
