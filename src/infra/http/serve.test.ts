import { connect } from 'node:net';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../log.js';
import { createErrorHandler } from './problem.js';
import { startHttpServer, type RunningServer } from './serve.js';

/** Sends `request`, then nothing more; resolves with what the server answered when it closed the socket. */
function stallAfter(port: number, request: string): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer, closedAfterMs: Date.now() - started }));
  });
}

describe('startHttpServer against slow clients', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  async function start() {
    const app = new Hono()
      .post('/', async (c) => c.text(await c.req.text()))
      .onError(createErrorHandler(createSilentLogger()));
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0, timeouts: { headersMs: 300, requestMs: 600 } });
    return server.port;
  }

  it('closes a connection whose headers never end with 408 (slowloris)', async () => {
    const { answer, closedAfterMs } = await stallAfter(await start(), 'POST / HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    // Node's own default would hold it for 60 s.
    expect(closedAfterMs).toBeLessThan(5_000);
  });

  it('closes a connection whose body never ends with 408', async () => {
    const { answer, closedAfterMs } = await stallAfter(
      await start(),
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten b',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(5_000);
  });
});
