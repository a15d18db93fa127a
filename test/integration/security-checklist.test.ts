import { describe, expect, it } from 'vitest';
import { AUTH_HEADERS } from '../helpers/api-keys.js';
import { bodyRoutes } from '../helpers/body-routes.js';
import { createTestApp } from '../helpers/test-app.js';

describe('security checklist', () => {
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

  it('the docs carry a same-origin CSP', async () => {
    const csp = (await createTestApp().request('/docs')).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
  });
});
