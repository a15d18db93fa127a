import { Hono } from 'hono';
import { basicAuth } from 'hono/basic-auth';

export interface AdminCredentials {
  username: string;
  password: string;
}

/** Prometheus's text format, version 0.0.4. */
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * `GET /metrics` in Prometheus's text format, behind basic auth with the admin
 * credentials (Hono's basicAuth compares them in constant time).
 * @example app.route('/', createMetricsRoutes(() => metrics.registry.metrics(), credentials));
 */
export function createMetricsRoutes(render: () => Promise<string>, credentials: AdminCredentials) {
  return new Hono()
    .use(
      '/metrics',
      basicAuth({ username: credentials.username, password: credentials.password, realm: 'dm-jobqueue metrics' }),
    )
    .get('/metrics', async (c) => {
      c.header('Cache-Control', 'no-store');
      return c.body(await render(), 200, { 'Content-Type': CONTENT_TYPE });
    });
}

/** Joins Prometheus texts; BullMQ's export lacks the final newline the format needs. */
export function joinMetrics(parts: readonly string[]): string {
  return parts.map((part) => (part.endsWith('\n') || part === '' ? part : `${part}\n`)).join('');
}
