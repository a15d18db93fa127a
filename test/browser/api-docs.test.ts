import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { launchChromium, screenshot } from './chromium.js';

describe('the API docs page (/docs) in chromium', () => {
  let browser: Browser;
  let redis: RedisServer;
  let stack: Stack;

  beforeAll(async () => {
    browser = await launchChromium();
    redis = await startRedisServer();
    stack = await startStack(redis, 'docs');
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await redis?.destroy();
  });

  it('shows both operations from /openapi.json, loading nothing from another origin and breaking no CSP rule', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
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
      await page.goto(`${stack.baseUrl}/docs`);
      await page.getByText('/api/dm-jobqueue/register').first().waitFor({ timeout: 15_000 });
      expect(await page.getByText('/api/dm-jobqueue/jobs/{id}').count()).toBeGreaterThan(0);
      expect(await page.getByRole('button', { name: /Authorize/ }).count()).toBeGreaterThan(0);
      await screenshot(page, 'api-docs');
      expect([...origins]).toEqual([stack.baseUrl]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
