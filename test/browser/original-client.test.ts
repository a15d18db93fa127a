import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/free-port.js';
import { testKey } from '../helpers/api-keys.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { launchChromium, screenshot } from './chromium.js';

/**
 * A page shaped as the original Go template's Next.js client calls the API
 * (client/lib/api.ts): fetch with JSON, `Authorization: Bearer <token>`, the
 * body `{ message: message || undefined }`; on success it shows the job id,
 * on 401/403 the body's `message`, otherwise the text. Served from its own
 * origin, so every call is cross-origin.
 */
function clientPage(apiBase: string, token: string): string {
  return `<!doctype html><meta charset="utf-8"><title>original client</title>
<input id="message" value="from the original client"><button id="register">Register</button><p id="result"></p>
<script>
const API_BASE_URL = ${JSON.stringify(apiBase)};
const token = ${JSON.stringify(token)};
document.getElementById('register').addEventListener('click', async () => {
  const result = document.getElementById('result');
  try {
    const message = document.getElementById('message').value;
    const headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    const response = await fetch(API_BASE_URL + '/api/dm-jobqueue/register', { method: 'POST', headers, body: JSON.stringify({ message: message || undefined }) });
    if (response.status === 401 || response.status === 403) {
      const body = await response.json();
      result.textContent = 'error ' + response.status + ': ' + body.message;
      return;
    }
    if (!response.ok) { result.textContent = 'error: ' + (await response.text()); return; }
    const data = await response.json();
    result.textContent = 'registered ' + data.job_id + ' ' + data.status;
  } catch (error) {
    result.textContent = 'failed: ' + error.message;
  }
});
</script>`;
}

async function serveClient(port: number, html: () => string): Promise<Server> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

describe("the original template's client on another origin, in chromium", () => {
  let browser: Browser;
  let redis: RedisServer;
  let stack: Stack;
  let allowedPort: number;
  const servers: Server[] = [];
  let token = '';

  beforeAll(async () => {
    browser = await launchChromium();
    redis = await startRedisServer();
    allowedPort = await freePort();
    stack = await startStack(redis, 'cors', {
      API_CORS_ALLOWED_ORIGINS: `http://127.0.0.1:${allowedPort}`,
      LOG_LEVEL: 'debug',
    });
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await browser?.close();
    await stack?.stop();
    await redis?.destroy();
  });

  async function clickRegister(port: number): Promise<string> {
    if (!servers.some((server) => (server.address() as AddressInfo).port === port))
      servers.push(await serveClient(port, () => clientPage(stack.baseUrl, token)));
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.click('#register');
      await expect.poll(() => page.textContent('#result'), { timeout: 10_000 }).not.toBe('');
      await screenshot(
        page,
        `original-client-${token ? 'key' : 'no-key'}-${port === allowedPort ? 'allowed' : 'other'}`,
      );
      return (await page.textContent('#result')) ?? '';
    } finally {
      await context.close();
    }
  }

  it('registers a job with a key from an allowed origin and shows its id; the job waits its default 3 minutes', async () => {
    token = await testKey(['read', 'write']);
    const shown = await clickRegister(allowedPort);
    expect(shown).toMatch(/^registered [0-9a-f-]{36} registered$/);
    const jobId = shown.split(' ')[1] ?? '';
    const status = await fetch(`${stack.baseUrl}/api/dm-jobqueue/jobs/${jobId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await status.json()).toMatchObject({ job_id: jobId, state: 'delayed', job_type: 'demo:delay_print' });
  });

  it('cancels a job from that origin: the browser preflights the DELETE and the API allows it', async () => {
    token = await testKey(['read', 'write']);
    const jobId = (await clickRegister(allowedPort)).split(' ')[1] ?? '';
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${allowedPort}/`);
      const answer = await page.evaluate(
        async ({ url, key }) => {
          const response = await fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });
          return { status: response.status, body: (await response.json()) as { state: string } };
        },
        { url: `${stack.baseUrl}/api/dm-jobqueue/jobs/${jobId}`, key: token },
      );
      expect(answer).toEqual({ status: 200, body: expect.objectContaining({ state: 'cancelled' }) as unknown });
    } finally {
      await context.close();
    }
  });

  it("shows the 401 in the client's own way (the body's message) without a key", async () => {
    token = '';
    expect(await clickRegister(allowedPort)).toBe(
      'error 401: Authorization header is required: send "Authorization: Bearer <API key>" (make a key with npm run api-key)',
    );
  });

  it('is blocked by the browser from an origin not in api.cors, and registers nothing', async () => {
    token = await testKey(['read', 'write']);
    const registered = () =>
      stack.api.stdout.filter(
        (line) => line.includes('"path":"/api/dm-jobqueue/register"') && line.includes('"status":201'),
      ).length;
    const preflights = () =>
      stack.api.stdout.filter(
        (line) => line.includes('"method":"OPTIONS"') && line.includes('"path":"/api/dm-jobqueue/register"'),
      ).length;
    const before = registered();
    const preflightsBefore = preflights();
    expect(await clickRegister(await freePort())).toBe('failed: Failed to fetch');
    // A request of the test's own after the browser gave up: the API logs each request before answering it,
    // so once this one's line is read, so is the line of any POST the browser sent.
    const marker = `cors-marker-${Date.now()}`;
    await fetch(`${stack.baseUrl}/api/dm-jobqueue/register`, { method: 'POST', headers: { 'x-request-id': marker } });
    await stack.api.waitForLine(new RegExp(`"requestId":"${marker}"`), { stream: 'stdout' });
    // The browser stopped at the preflight, which got no CORS header: the POST never came.
    expect(preflights()).toBeGreaterThan(preflightsBefore);
    expect(registered()).toBe(before);
  });
});
