import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES } from './problem.js';

export function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

export interface ListenAddress {
  host: string;
  port: number;
  setting?: string;
  /** Connect to end of headers, and of body: a client trickling them (slowloris) gets 408, not Node's 60 s / 5 min. */
  timeouts?: { headersMs: number; requestMs: number };
}

export class ListenError extends Error {
  override readonly name = 'ListenError';

  constructor(address: ListenAddress, cause: NodeJS.ErrnoException) {
    const reason =
      cause.code === 'EADDRINUSE'
        ? `port ${address.port} on ${address.host} is already in use by another program`
        : `cannot listen on ${address.host}:${address.port} (${cause.code ?? cause.message})`;
    const hint = address.setting ? `; stop that program or choose another port with ${address.setting}` : '';
    super(`${reason}${hint}`, { cause });
  }
}

export function startHttpServer(app: { fetch: Parameters<typeof serve>[0]['fetch'] }, address: ListenAddress) {
  return new Promise<RunningServer>((resolve, reject) => {
    const { headersMs, requestMs } = address.timeouts ?? { headersMs: 10_000, requestMs: 30_000 };
    const serverOptions = {
      headersTimeout: headersMs,
      requestTimeout: requestMs,
      // Node checks the two timeouts on this interval (30 s by default): a bound is only as tight as its check.
      connectionsCheckingInterval: Math.min(1000, headersMs),
    };
    const server = serve({ fetch: app.fetch, hostname: address.host, port: address.port, serverOptions }) as Server;
    server.on('clientError', answerClientError);
    const failed = (error: NodeJS.ErrnoException) => reject(new ListenError(address, error));
    server.once('error', failed);
    server.once('listening', () => {
      server.off('error', failed);
      const bound = server.address();
      let closing: Promise<void> | undefined;
      resolve({
        port: typeof bound === 'object' && bound ? bound.port : address.port,
        close() {
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            // Keep-alive sockets would hold close() open until they time out.
            server.closeIdleConnections();
          });
          return closing;
        },
      });
    });
  });
}

const ANSWERS = new Map<string | undefined, [status: number, title: string, detail: string]>([
  ['HPE_HEADER_OVERFLOW', [431, 'Request Header Fields Too Large', 'The request headers are too large']],
  ['ERR_HTTP_REQUEST_TIMEOUT', [408, 'Request Timeout', 'The request was not received in time']],
]);

/** What Node's parser refuses never reaches the app: answer problem+json, not Node's bare status line. */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset peer or a socket already closing cannot take an answer (Node's documented guard).
  if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const invalid = `The request is not valid HTTP/1.1 (${error.code ?? 'parse error'})`;
  const [status, title, detail] = ANSWERS.get(error.code) ?? [400, 'Bad Request', invalid];
  const body = JSON.stringify({ type: PROBLEM_TYPES.http, title, status, detail });
  const head = `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}`;
  socket.end(`${head}\r\nConnection: close\r\n\r\n${body}`);
}
