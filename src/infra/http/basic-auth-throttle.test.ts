import { request } from 'node:http';
import { Hono } from 'hono';
import { expect, it } from 'vitest';
import { throttledBasicAuth } from './basic-auth-throttle.js';
import { startHttpServer } from './serve.js';

const basic = (password: string) => ({ authorization: `Basic ${Buffer.from(`ops:${password}`).toString('base64')}` });

it('answers 429 with Retry-After after the allowed failures, while right answers before that spend nothing', async () => {
  const app = new Hono()
    .use(throttledBasicAuth({ username: 'ops', password: 'correct horse battery', realm: 'test' }, { failures: 5 }))
    .get('/metrics', (c) => c.text('ok'));
  for (let i = 0; i < 20; i++)
    expect((await app.request('/metrics', { headers: basic('correct horse battery') })).status).toBe(200);
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await app.request('/metrics', { headers: basic(`guess ${i}`) })).status);
  expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
  const refused = await app.request('/metrics', { headers: basic('correct horse battery') });
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(((await refused.json()) as { detail: string }).detail).toMatch(/^Too many failed logins/);
});

it('recovers by itself once the window has passed', async () => {
  const app = new Hono()
    .use(
      throttledBasicAuth(
        { username: 'ops', password: 'correct horse battery', realm: 'test' },
        { failures: 2, seconds: 1 },
      ),
    )
    .get('/metrics', (c) => c.text('ok'));
  for (let i = 0; i < 3; i++) await app.request('/metrics', { headers: basic('wrong') });
  expect((await app.request('/metrics', { headers: basic('correct horse battery') })).status).toBe(429);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  expect((await app.request('/metrics', { headers: basic('correct horse battery') })).status).toBe(200);
});

// Every 127/8 address is loopback on Linux only (macOS has 127.0.0.1 alone).
it.skipIf(process.platform !== 'linux')(
  "counts failures per client address: a guesser's 429s leave another address's scrapes at 200",
  async () => {
    const app = new Hono()
      .use(throttledBasicAuth({ username: 'ops', password: 'correct horse battery', realm: 'test' }, { failures: 3 }))
      .get('/metrics', (c) => c.text('ok'));
    const server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
    // The guesser and the scraper differ only by source address.
    const from = (localAddress: string, password: string) =>
      new Promise<number>((resolve, reject) => {
        const headers = basic(password);
        request({ host: '127.0.0.1', port: server.port, path: '/metrics', localAddress, headers }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    try {
      const guesses: number[] = [];
      for (let i = 0; i < 5; i++) guesses.push(await from('127.0.0.2', `guess ${i}`));
      expect(guesses).toEqual([401, 401, 401, 429, 429]);
      expect(await from('127.0.0.2', 'correct horse battery')).toBe(429);
      expect(await from('127.0.0.1', 'correct horse battery')).toBe(200);
    } finally {
      await server.close();
    }
  },
);
