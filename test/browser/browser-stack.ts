import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { launchChromium } from './chromium.js';

export interface BrowserStack {
  readonly browser: Browser;
  readonly stack: Stack;
}

/**
 * For a describe block: chromium, a private redis-server and the real API and
 * worker processes on it (with `env` on top), started in beforeAll, stopped in afterAll.
 * @example const fixture = useBrowserStack('docs'); … fixture.stack.baseUrl
 */
export function useBrowserStack(queuePrefix: string, env: Record<string, string> = {}): BrowserStack {
  let browser: Browser | undefined;
  let redis: RedisServer | undefined;
  let stack: Stack | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
    redis = await startRedisServer();
    stack = await startStack(redis, queuePrefix, env);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await redis?.destroy();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the browser stack's ${what} is used outside a test`);
    return value;
  };
  return {
    get browser() {
      return started(browser, 'browser');
    },
    get stack() {
      return started(stack, 'stack');
    },
  };
}
