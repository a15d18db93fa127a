import { describe, expect, it } from 'vitest';
import { useBrowserStack } from './browser-stack.js';
import { screenshot } from './chromium.js';

describe('the API docs page (/docs) in chromium', () => {
  const fixture = useBrowserStack('docs');

  it('shows both operations from /openapi.json, loading nothing from another origin and breaking no CSP rule', async () => {
    const context = await fixture.browser.newContext({ viewport: { width: 1200, height: 900 } });
    try {
      const page = await context.newPage();
      const origins = new Set<string>();
      const problems: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith('data:')) origins.add(new URL(request.url()).origin);
      });
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      await page.goto(`${fixture.stack.baseUrl}/docs`);
      await page.getByText('/api/dm-jobqueue/register').first().waitFor({ timeout: 15_000 });
      expect(await page.getByText('/api/dm-jobqueue/jobs/{id}').count()).toBeGreaterThan(0);
      expect(await page.getByRole('button', { name: /Authorize/ }).count()).toBeGreaterThan(0);
      await screenshot(page, 'api-docs');
      expect([...origins]).toEqual([fixture.stack.baseUrl]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
