import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.js';
import { launchChromium, screenshot } from '../../browser/chromium.js';
import { literal, startStack, type Stack } from '../../helpers/stack.js';
import { AUTH_HEADERS, testKey } from '../../helpers/api-keys.js';
import { MESSAGE_MAX_LENGTH } from '../../../src/jobs/demo-delay-print.js';

const DESKTOP = { viewport: { width: 960, height: 800 } } satisfies BrowserContextOptions;
const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
} satisfies BrowserContextOptions;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const STATUS_PATH = '/api/dm-jobqueue/jobs/';

/** The worker's line for `message`: `[YYYY-MM-DD HH:mm:ss] <message>`. */
const printedLine = (message: string) =>
  new RegExp(`^\\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\] ${literal(message).source}$`);

interface OpenPage {
  page: Page;
  /** When the page asked for a job's status (ms since epoch). */
  statusRequests: number[];
  /** Uncaught errors and console errors other than failed requests (503 and 429 answers are expected). */
  errors: string[];
}

describe('the demo page in chromium', () => {
  let browser: Browser;
  const cleanup: (() => Promise<unknown>)[] = [];
  const opened: OpenPage[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(async () => {
    for (const { errors } of opened.splice(0)) expect(errors).toEqual([]);
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Opens the page as the link `npm run dev` prints does: with an API key in the fragment, unless `apiKey` is ''. */
  async function openPage(
    baseUrl: string,
    options: BrowserContextOptions = DESKTOP,
    path = '/dm-jobqueue',
    apiKey = AUTH_HEADERS.authorization?.slice('Bearer '.length) ?? '',
  ): Promise<OpenPage> {
    const context = await browser.newContext({ locale: 'en-US', ...options });
    cleanup.push(() => context.close());
    const page = await context.newPage();
    const result: OpenPage = { page, statusRequests: [], errors: [] };
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith(STATUS_PATH)) result.statusRequests.push(Date.now());
    });
    page.on('pageerror', (error) => result.errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        result.errors.push(message.text());
    });
    opened.push(result);
    await page.goto(`${baseUrl}${path}${apiKey ? `#key=${apiKey}` : ''}`);
    return result;
  }

  async function newRedis(options: { appendonly?: boolean } = {}) {
    const redis = await startRedisServer(options);
    cleanup.push(() => redis.destroy());
    return redis;
  }

  async function newStack(redis: RedisServer): Promise<Stack> {
    const stack = await startStack(redis);
    cleanup.push(() => stack.stop());
    return stack;
  }

  const text = async (page: Page, selector: string) => (await page.locator(selector).textContent()) ?? '';
  // Expressions as strings: the tests are type-checked without the DOM library.
  const focusedId = (page: Page) => page.evaluate<string | undefined>('document.activeElement?.id');

  describe('with Redis up', () => {
    let redis: RedisServer;
    let stack: Stack;
    beforeAll(async () => {
      redis = await startRedisServer();
      stack = await startStack(redis);
    });
    afterAll(async () => {
      await stack?.stop();
      await redis?.destroy();
    });

    it('registers a job with the button, then follows it until it has completed and the worker printed it', async () => {
      const { page, statusRequests } = await openPage(stack.baseUrl, DESKTOP, '/');
      expect(new URL(page.url()).pathname).toBe('/dm-jobqueue');
      expect(await page.getByLabel('Delay (seconds)').inputValue()).toBe('180');
      expect(await page.getByLabel('Max retry').inputValue()).toBe('10');
      await screenshot(page, '01-form');

      const message = `Hello from chromium ${Date.now()}`;
      await page.getByLabel('Message').fill(message);
      await page.getByLabel('Delay (seconds)').fill('1');
      const registered = page.waitForResponse((response) => response.url().endsWith('/api/dm-jobqueue/register'));
      await page.getByRole('button', { name: 'Register' }).click();
      const job = (await (await registered).json()) as { job_id: string; run_at: string };

      await expect
        .poll(() => text(page, '#notice'), { timeout: 10_000 })
        .toMatch(new RegExp(`^Job registered: ${job.job_id}\\. It runs at .+\\.$`));
      expect(await text(page, '#job-id')).toBe(job.job_id);
      expect(await text(page, '#job-message')).toBe(message);
      await screenshot(page, '02-registered');

      await page.locator('#job-state[data-state="completed"]').waitFor({ timeout: 20_000 });
      expect(await text(page, '#job-state')).toBe('completed');
      expect(await text(page, '#job-progress')).toBe('Done: the worker printed the message.');
      expect(await text(page, '#job-attempts')).toBe('1 of at most 11');
      expect(await page.locator('#job-finished-row').isVisible()).toBe(true);
      await stack.worker.waitForLine(printedLine(message), { stream: 'stdout' });

      const latest = page.locator('#recent-list li').first();
      await expect.poll(() => latest.textContent()).toContain('completed');
      expect(await latest.textContent()).toContain(message);
      // What was typed is still there for the next job.
      expect(await page.getByLabel('Message').inputValue()).toBe(message);
      expect(await page.getByLabel('Delay (seconds)').inputValue()).toBe('1');
      await page.mouse.move(0, 0); // no hover colour on the button in the picture
      await screenshot(page, '03-completed');

      // Polled sparingly (the API is rate limited): nothing before the run time, then at most one every 2 s.
      expect(statusRequests.length).toBeGreaterThan(0);
      expect(statusRequests[0]).toBeGreaterThanOrEqual(Date.parse(job.run_at));
      for (let i = 1; i < statusRequests.length; i++) {
        expect((statusRequests[i] ?? 0) - (statusRequests[i - 1] ?? 0)).toBeGreaterThanOrEqual(1900);
      }
    });

    it('cancels a job that has not started (Cancel), and shows one that expired before it could start', async () => {
      const { page } = await openPage(stack.baseUrl);
      await page.getByLabel('Message').fill('cancel me');
      await page.getByLabel('Delay (seconds)').fill('60');
      await page.getByRole('button', { name: 'Register' }).click();
      await page.locator('#job-state[data-state="delayed"]').waitFor({ timeout: 10_000 });
      const cancel = page.getByRole('button', { name: 'Cancel this job' });
      const cancelled = page.waitForResponse((response) => response.request().method() === 'DELETE');
      await cancel.click();
      expect((await cancelled).status()).toBe(200);
      await page.locator('#job-state[data-state="cancelled"]').waitFor({ timeout: 10_000 });
      expect(await text(page, '#job-progress')).toBe('Cancelled: it will not run.');
      expect(await cancel.isVisible()).toBe(false);
      await expect.poll(() => page.locator('#recent-list li').first().textContent()).toContain('cancelled');
      await page.mouse.move(0, 0);
      await screenshot(page, '12-cancelled');

      // With the worker paused, a job due at once that expires a second later is never started.
      stack.worker.child.kill('SIGSTOP');
      try {
        const response = await fetch(`${stack.baseUrl}/api/dm-jobqueue/register`, {
          method: 'POST',
          headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
          body: JSON.stringify({
            message: 'too late',
            run_at: new Date().toISOString(),
            expires_at: new Date(Date.now() + 1000).toISOString(),
          }),
        });
        const { job_id: jobId, run_at: runAt } = (await response.json()) as { job_id: string; run_at: string };
        await new Promise((resolve) => setTimeout(resolve, 1500));
        // As if it had been registered from this page: the page follows the newest job of its list on reload.
        const entry = { id: jobId, message: 'too late', state: 'delayed', runAt, nextRunAt: runAt, maxRetry: 10 };
        await page.evaluate(
          `sessionStorage.setItem('dm-jobqueue.recent-jobs', JSON.stringify([${JSON.stringify(entry)}]))`,
        );
        await page.reload();
        await page.locator('#job-state[data-state="expired"]').waitFor({ timeout: 10_000 });
        expect(await text(page, '#job-progress')).toBe(
          'Expired: its expiry time passed before it could start, so it did not run.',
        );
        expect(await page.getByRole('button', { name: 'Cancel this job' }).isVisible()).toBe(false);
        await screenshot(page, '13-expired');
      } finally {
        stack.worker.child.kill('SIGCONT');
      }
    });

    it('works with the keyboard alone, asks nothing before the run time, and remembers the job on reload', async () => {
      const { page, statusRequests } = await openPage(stack.baseUrl);
      await page.keyboard.press('Tab');
      expect(await focusedId(page)).toBe('message');
      await page.keyboard.type('typed with the keyboard');
      await page.keyboard.press('Tab');
      expect(await focusedId(page)).toBe('delay_seconds');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      expect(await focusedId(page)).toBe('api_key');
      await page.keyboard.press('Tab');
      expect(await focusedId(page)).toBe('register-button');
      await page.keyboard.press('Enter');

      await expect.poll(() => text(page, '#notice'), { timeout: 10_000 }).toMatch(/^Job registered: /);
      // The default delay: 3 minutes of countdown, and no status request meanwhile.
      expect(await text(page, '#job-state')).toBe('delayed');
      expect(await text(page, '#job-progress')).toMatch(/^Runs in (3:00|2:5\d)\.$/);
      await expect.poll(() => text(page, '#job-progress'), { timeout: 5000 }).toMatch(/^Runs in 2:5\d\.$/);
      expect(await focusedId(page)).toBe('register-button');
      expect(await page.locator('#notice').getAttribute('aria-live')).toBe('polite');
      await screenshot(page, '04-countdown');
      const jobId = await text(page, '#job-id');

      // A reload keeps the job and the list (sessionStorage), still without asking before the run time.
      await page.reload();
      await expect.poll(() => text(page, '#job-id')).toBe(jobId);
      expect(await page.locator('#recent-list li').count()).toBe(1);
      await page.waitForTimeout(2500);
      expect(statusRequests).toEqual([]);
    });

    it('takes the API key from the link, removes it from the address bar, and keeps it for the tab', async () => {
      const { page } = await openPage(stack.baseUrl);
      expect(new URL(page.url()).hash).toBe('');
      expect(await page.getByLabel('API key').inputValue()).toMatch(/^ey/);
      await page.reload();
      expect(await page.getByLabel('API key').inputValue()).toMatch(/^ey/);
    });

    it('takes a #key= link pasted into an open tab (hashchange, no reload) and clears it from the address bar', async () => {
      const { page } = await openPage(stack.baseUrl);
      const first = await page.getByLabel('API key').inputValue();
      const other = await testKey(['read']);
      await page.evaluate(`location.hash = 'key=${other}'`);
      await expect.poll(() => page.getByLabel('API key').inputValue()).toBe(other);
      expect(other).not.toBe(first);
      expect(new URL(page.url()).hash).toBe('');
      await page.reload();
      expect(await page.getByLabel('API key').inputValue()).toBe(other);
    });

    it('says clearly that the API refused the request when the page has no key (401), and focuses the key field', async () => {
      const { page } = await openPage(stack.baseUrl, DESKTOP, '/dm-jobqueue', '');
      await page.getByLabel('Delay (seconds)').fill('0');
      await page.getByRole('button', { name: 'Register' }).click();
      await expect
        .poll(() => text(page, '#notice'), { timeout: 10_000 })
        .toMatch(
          /^Nothing was registered: the API refused the API key \(401 Unauthorized\): Authorization header is required/,
        );
      expect(await focusedId(page)).toBe('api_key');
      await page.getByLabel('API key').fill(await testKey(['read']));
      await page.getByRole('button', { name: 'Register' }).click();
      await expect
        .poll(() => text(page, '#notice'), { timeout: 10_000 })
        .toMatch(/^Nothing was registered: the API key may not do this \(403 Forbidden\): Insufficient scope/);
    });

    it('registers the default message from the untouched form, as the API does for an absent message', async () => {
      const { page } = await openPage(stack.baseUrl);
      expect(await page.getByLabel('Message').inputValue()).toBe('');
      expect(await page.getByLabel('Message').getAttribute('placeholder')).toContain('empty');
      await page.getByLabel('Delay (seconds)').fill('0');
      await page.getByRole('button', { name: 'Register' }).click();
      await expect.poll(() => text(page, '#notice'), { timeout: 10_000 }).toMatch(/^Job registered: /);
      expect(await text(page, '#job-message')).toBe('Job executed successfully');
      await stack.worker.waitForLine(/\] Job executed successfully$/, { stream: 'stdout' });
    });

    it('shows each 400 field error next to its field and keeps what was typed', async () => {
      const { page } = await openPage(stack.baseUrl);
      await page.getByLabel('Message').fill('invoice\u202Efdp.exe');
      await page.getByLabel('Delay (seconds)').fill('99999999');
      await page.getByRole('button', { name: 'Register' }).click();

      const delayError = page.locator('#delay_seconds-error');
      await delayError.waitFor({ timeout: 10_000 });
      expect(await delayError.textContent()).toBe('Must be at most 2592000 (30 days)');
      expect(await text(page, '#message-error')).toBe(
        'Must not contain U+202E (an invisible format character that can reorder or hide text) at position 7',
      );
      for (const field of ['message', 'delay_seconds']) {
        const input = page.locator(`#${field}`);
        expect(await input.getAttribute('aria-invalid')).toBe('true');
        expect(await input.getAttribute('aria-describedby')).toContain(`${field}-error`);
        // Next to its field: in the same field group, right below the input.
        const group = page.locator('.field').filter({ has: input });
        expect(await group.locator('.field-error').getAttribute('id')).toBe(`${field}-error`);
      }
      expect(await page.locator('#max_retry').getAttribute('aria-invalid')).toBeNull();
      expect(await page.locator('#max_retry-error').isVisible()).toBe(false);
      expect(await text(page, '#notice')).toBe('Nothing was registered: please correct the fields marked in the form.');
      expect(await focusedId(page)).toBe('message');
      expect(await page.getByLabel('Message').inputValue()).toBe('invoice\u202Efdp.exe');
      expect(await page.getByLabel('Delay (seconds)').inputValue()).toBe('99999999');
      await screenshot(page, '05-field-errors');

      await page.getByLabel('Message').fill('fixed');
      await page.getByLabel('Delay (seconds)').fill('0');
      await page.getByRole('button', { name: 'Register' }).click();
      await expect.poll(() => text(page, '#notice'), { timeout: 10_000 }).toMatch(/^Job registered: /);
      expect(await delayError.isVisible()).toBe(false);
      expect(await page.locator('#delay_seconds').getAttribute('aria-invalid')).toBeNull();
      await page.locator('#job-state[data-state="completed"]').waitFor({ timeout: 20_000 });
    });

    it('counts the message in characters (code points, trimmed) as the API does: 1000 emoji register, 1001 get its 400', async () => {
      const { page } = await openPage(stack.baseUrl);
      const message = page.getByLabel('Message');
      const counter = page.locator('#message-count');
      const max = MESSAGE_MAX_LENGTH;
      expect(await counter.textContent()).toBe(`0 / ${max}`);
      expect(await message.getAttribute('aria-describedby')).toContain('message-count');
      // Browsers count maxlength in UTF-16 units: 500 emoji would be 1000 of them.
      expect(await message.getAttribute('maxlength')).toBeNull();
      expect(await counter.getAttribute('aria-live')).toBeNull();

      await message.fill('😀'.repeat(500));
      expect(await counter.textContent()).toBe(`500 / ${max}`);
      await message.fill('   hello  ');
      expect(await counter.textContent()).toBe(`5 / ${max}`);

      // The API trims too: surrounding spaces do not make a full message too long.
      const full = '😀'.repeat(max);
      await message.fill(`  ${full}  `);
      expect(await counter.textContent()).toBe(`${max} / ${max}`);
      expect(await counter.getAttribute('class')).not.toContain('over');
      const accepted = page.waitForResponse((response) => response.url().endsWith('/api/dm-jobqueue/register'));
      await page.getByRole('button', { name: 'Register' }).click();
      expect((await accepted).status()).toBe(201);
      await expect.poll(() => text(page, '#notice'), { timeout: 10_000 }).toMatch(/^Job registered: /);
      expect(await text(page, '#job-message')).toBe(full);

      await message.fill('😀'.repeat(max + 1));
      expect(await counter.textContent()).toBe(`${max + 1} / ${max}`);
      expect(await counter.getAttribute('class')).toContain('over');
      // Said once on crossing the limit, not on every key.
      expect(await text(page, '#message-count-announcer')).toBe(
        `The message is longer than ${max} characters; the API will refuse it.`,
      );
      const refused = page.waitForResponse((response) => response.url().endsWith('/api/dm-jobqueue/register'));
      await page.getByRole('button', { name: 'Register' }).click();
      expect((await refused).status()).toBe(400);
      await page.locator('#message-error').waitFor({ timeout: 10_000 });
      expect(await text(page, '#message-error')).toBe(`Must be at most ${max} characters`);
      expect(await message.getAttribute('aria-invalid')).toBe('true');
      expect(await focusedId(page)).toBe('message');
      await screenshot(page, '11-message-too-long');

      await page.keyboard.press('Backspace');
      expect(await counter.textContent()).toBe(`${max} / ${max}`);
      expect(await counter.getAttribute('class')).not.toContain('over');
      expect(await text(page, '#message-count-announcer')).toBe('');
      // A reset puts the value back without an input event.
      await page.evaluate("document.getElementById('register-form').reset()");
      await expect.poll(() => counter.textContent()).toBe(`0 / ${max}`);
    });

    it('says "too many requests, retry in N s" from a 429 and its Retry-After', async () => {
      const { page } = await openPage(stack.baseUrl);
      // The API's limit is 60 a minute; answering 429 here keeps the test independent of it.
      await page.route('**/api/dm-jobqueue/register', (route) =>
        route.fulfill({
          status: 429,
          headers: { 'content-type': 'application/problem+json', 'retry-after': '17' },
          body: JSON.stringify({
            type: 'urn:dm-jobqueue:problem:rate-limited',
            title: 'Too Many Requests',
            status: 429,
            detail: 'Rate limit exceeded',
          }),
        }),
      );
      await page.getByLabel('Message').fill('not now');
      await page.getByRole('button', { name: 'Register' }).click();
      await expect.poll(() => text(page, '#notice'), { timeout: 10_000 }).toBe('Too many requests, retry in 17 s.');
      expect(await page.getByLabel('Message').inputValue()).toBe('not now');
      await screenshot(page, '06-rate-limited');
    });

    it('waits as long as Retry-After says when a status check answers 429', async () => {
      const { page, statusRequests } = await openPage(stack.baseUrl);
      let limited = false;
      await page.route('**/api/dm-jobqueue/jobs/*', async (route) => {
        if (limited) return route.continue();
        limited = true;
        return route.fulfill({
          status: 429,
          headers: { 'content-type': 'application/problem+json', 'retry-after': '3' },
          body: JSON.stringify({
            type: 'urn:dm-jobqueue:problem:rate-limited',
            title: 'Too Many Requests',
            status: 429,
            detail: 'Rate limit exceeded',
          }),
        });
      });
      await page.getByLabel('Message').fill('checked later');
      await page.getByLabel('Delay (seconds)').fill('0');
      await page.getByRole('button', { name: 'Register' }).click();
      await expect
        .poll(() => text(page, '#job-check'), { timeout: 10_000 })
        .toBe('Too many requests; checking again in 3 s.');
      await page.locator('#job-state[data-state="completed"]').waitFor({ timeout: 20_000 });
      expect(await page.locator('#job-check').isVisible()).toBe(false);
      expect(statusRequests.length).toBe(2);
      expect((statusRequests[1] ?? 0) - (statusRequests[0] ?? 0)).toBeGreaterThanOrEqual(2900);
    });

    it('is readable on a phone, in dark mode too: one column, nothing wider than the screen', async () => {
      const { page } = await openPage(stack.baseUrl, { ...PHONE, colorScheme: 'dark' });
      const message = `From a phone ${Date.now()}`;
      await page.getByLabel('Message').fill(message);
      await page.getByLabel('Delay (seconds)').fill('0');
      await page.getByRole('button', { name: 'Register' }).tap();
      await page.locator('#job-state[data-state="completed"]').waitFor({ timeout: 20_000 });
      expect(await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      const delay = await page.getByLabel('Delay (seconds)').boundingBox();
      const retry = await page.getByLabel('Max retry').boundingBox();
      expect(retry?.y ?? 0).toBeGreaterThan((delay?.y ?? 0) + (delay?.height ?? 0));
      await screenshot(page, '07-phone-dark');
    });

    it('speaks Japanese when the browser prefers it', async () => {
      const { page } = await openPage(stack.baseUrl, { ...DESKTOP, locale: 'ja-JP' });
      expect(await page.evaluate<string>('document.documentElement.lang')).toBe('ja');
      expect(await page.getByLabel('メッセージ').inputValue()).toBe('');
      expect(await page.getByLabel('遅延（秒）').inputValue()).toBe('180');
      await page.getByLabel('メッセージ').fill('a\u200Bb');
      await page.getByLabel('遅延（秒）').fill('99999999');
      await page.getByRole('button', { name: '登録' }).click();
      await page.locator('#delay_seconds-error').waitFor({ timeout: 10_000 });
      expect(await text(page, '#delay_seconds-error')).toBe('2592000（30 日）以下にしてください');
      expect(await text(page, '#message-error')).toBe(
        '1 文字目の U+200B は文字の並びを変えたり隠したりする不可視の書式文字のため使えません',
      );
      await screenshot(page, '08-japanese');
    });
  });

  it('says the job queue is unavailable while Redis is stopped, and carries on when it is back', async () => {
    const redis = await newRedis({ appendonly: true });
    const stack = await newStack(redis);
    const { page } = await openPage(stack.baseUrl);
    const message = `Survives an outage ${Date.now()}`;
    await page.getByLabel('Message').fill(message);
    await page.getByLabel('Delay (seconds)').fill('1');
    await page.getByRole('button', { name: 'Register' }).click();
    await expect.poll(() => text(page, '#notice'), { timeout: 10_000 }).toMatch(/^Job registered: /);
    const jobId = UUID.exec(await text(page, '#notice'))?.[0];
    await redis.stop('SIGTERM');

    // The page's check of the job answers 503 too, and says so.
    const check = page.locator('#job-check');
    await check.waitFor({ timeout: 15_000 });
    expect(await check.textContent()).toMatch(
      /^Cannot check the job: the job queue is unavailable \(Redis is not connected\)\. Checking again in 5 s\.$/,
    );
    await screenshot(page, '09-status-unavailable');

    await page.getByRole('button', { name: 'Register' }).click();
    await expect
      .poll(() => text(page, '#notice'), { timeout: 10_000 })
      .toBe(
        'The job queue is unavailable: Redis is not connected. Nothing was registered; try again in a few seconds.',
      );
    expect(await page.getByLabel('Message').inputValue()).toBe(message);
    await screenshot(page, '10-unavailable');

    await redis.start();
    await page.locator('#job-state[data-state="completed"]').waitFor({ timeout: 30_000 });
    expect(await text(page, '#job-id')).toBe(jobId);
    expect(await check.isVisible()).toBe(false);
    await stack.worker.waitForLine(printedLine(message), { stream: 'stdout' });
  }, 90_000);
});
