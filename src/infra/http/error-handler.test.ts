import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { Hono } from 'hono';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../scripts/lib/wait-for.js';
import { createErrorHandler } from './problem.js';
import { startHttpServer } from './serve.js';

function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('the error handler', () => {
  it('logs a client that hangs up mid-body at debug, without an error or a stack trace', async () => {
    const { logger, lines } = capturingLogger();
    const app = new Hono().post('/', async (c) => c.text(await c.req.text())).onError(createErrorHandler(logger));
    const server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
    try {
      const socket = connect(server.port, '127.0.0.1', () => {
        socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial', () => socket.destroy());
      });
      socket.on('error', () => undefined);
      await waitFor(() => lines.some((line) => line.msg.includes('closed the connection')), { what: 'the debug line' });
      expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
