import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES } from './problem.js';

/** Anything with a fetch handler @hono/node-server can serve, e.g. a Hono app. */
export interface FetchApp {
  fetch: Parameters<typeof serve>[0]['fetch'];
}

export interface RunningServer {
  /** The bound port (useful with port 0). */
  port: number;
  /** Stops accepting connections and waits for open ones to finish; idempotent. */
  close(): Promise<void>;
}

export interface ListenAddress {
  host: string;
  port: number;
  /** Where the port is set, for the error message: e.g. `server.port (SERVER_PORT)`. */
  setting?: string;
  /** Bounds on slow clients; {@link DEFAULT_TIMEOUTS} when absent. */
  timeouts?: SlowClientTimeouts;
}

/**
 * How long a client may take to send its request: a connection that trickles
 * its headers or body (slowloris) is closed with 408 instead of holding a
 * socket and its memory for Node's defaults (60 s for headers, 5 min in all).
 */
export interface SlowClientTimeouts {
  /** From connect to the end of the headers. */
  headersMs: number;
  /** From connect to the end of the body. */
  requestMs: number;
}

export const DEFAULT_TIMEOUTS: SlowClientTimeouts = { headersMs: 10_000, requestMs: 30_000 };

/** The address is taken (EADDRINUSE) or may not be bound (EACCES, EADDRNOTAVAIL): the process cannot start. */
export class ListenError extends Error {
  override readonly name = 'ListenError';

  constructor(address: ListenAddress, cause: NodeJS.ErrnoException) {
    const where = `${address.host}:${address.port}`;
    const reason =
      cause.code === 'EADDRINUSE'
        ? `port ${address.port} on ${address.host} is already in use by another program`
        : `cannot listen on ${where} (${cause.code ?? cause.message})`;
    const hint = address.setting ? `; stop that program or choose another port with ${address.setting}` : '';
    super(`${reason}${hint}`, { cause });
  }
}

/**
 * Listens on host:port and resolves once the socket is bound; rejects with
 * {@link ListenError} when it cannot be (port taken), so the entry can say so and exit.
 * @example const server = await startHttpServer(app, { host: '127.0.0.1', port: 8080, setting: 'SERVER_PORT' });
 */
export function startHttpServer(app: FetchApp, address: ListenAddress): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const { headersMs, requestMs } = address.timeouts ?? DEFAULT_TIMEOUTS;
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

const TITLES: Record<400 | 408 | 431, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** What Node's HTTP parser reported, as the status it would answer (its own default mapping). */
function statusOf(code: string | undefined): 400 | 408 | 431 {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/**
 * The server's `clientError` listener: a request Node's parser refuses (a
 * malformed line or header, Content-Length with Transfer-Encoding, headers
 * over 16 KiB, a request not finished in time) never reaches the app, and
 * Node would answer a bare status line with no body. This answers
 * problem+json like every other error, naming the parser's code only.
 * @example server.on('clientError', answerClientError);
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset peer or a socket already closing cannot take an answer (Node's documented guard).
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = statusOf(error.code);
  const title = TITLES[status];
  const body = JSON.stringify({
    type: PROBLEM_TYPES.http,
    title,
    status,
    detail:
      status === 431
        ? 'The request headers are too large'
        : status === 408
          ? 'The request was not received in time'
          : `The request is not valid HTTP/1.1 (${error.code ?? 'parse error'})`,
  });
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
