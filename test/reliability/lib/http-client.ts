import { Agent, request } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** From sending the request to the end of the answer. */
  ms: number;
}

export interface HttpRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Abort after this long (default 10 s): a hung answer is a finding, not a hung test. */
  timeoutMs?: number;
}

/**
 * A small keep-alive HTTP client for load loops: node:http with a pooled
 * agent costs the load generator far less CPU than fetch, and the CPU is shared
 * with the processes under test.
 * @example const client = createHttpClient('http://127.0.0.1:8080', 32); await client.send({ path: '/health' });
 */
export function createHttpClient(
  baseUrl: string,
  sockets = 32,
): { send(req: HttpRequest): Promise<HttpAnswer>; close(): void } {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  return {
    send({ method = 'GET', path, headers = {}, body, timeoutMs = 10_000 }) {
      return new Promise((resolve, reject) => {
        const started = performance.now();
        const outgoing = request(
          {
            host: url.hostname,
            port: url.port,
            method,
            path,
            agent,
            headers: body === undefined ? headers : { 'content-length': String(Buffer.byteLength(body)), ...headers },
          },
          (incoming) => {
            const chunks: Buffer[] = [];
            incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
            incoming.on('end', () =>
              resolve({
                status: incoming.statusCode ?? 0,
                headers: incoming.headers,
                body: Buffer.concat(chunks).toString('utf8'),
                ms: performance.now() - started,
              }),
            );
            incoming.on('error', reject);
          },
        );
        outgoing.setTimeout(timeoutMs, () =>
          outgoing.destroy(new Error(`no answer to ${method} ${path} within ${timeoutMs} ms`)),
        );
        outgoing.on('error', reject);
        outgoing.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}
