import { serve } from '@hono/node-server';
import type { Server } from 'node:http';

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

/**
 * Listens on host:port and resolves once the socket is bound; rejects when it
 * cannot be (port taken), so the entry can report it instead of crashing later.
 * @example const server = await startHttpServer(app, { host: '127.0.0.1', port: 8080 });
 */
export function startHttpServer(app: FetchApp, address: { host: string; port: number }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: address.host, port: address.port }) as Server;
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
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
