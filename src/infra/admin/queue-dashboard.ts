import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Queue } from 'bullmq';
import { Hono } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { csrf } from 'hono/csrf';
import { secureHeaders } from 'hono/secure-headers';
import { bodyLimitBytes } from '../http/body-limit.js';
import type { AdminCredentials } from '../../routes/metrics.js';

export const DASHBOARD_PATH = '/admin/queues';

/** The dashboard's own requests (retry, promote, clean) carry tiny JSON bodies; nothing it accepts is larger. */
export const DASHBOARD_BODY_LIMIT_BYTES = 65_536;

export interface DashboardOptions {
  queue: Queue;
  credentials: AdminCredentials;
  /** `admin.read_only`: see jobs, change none. */
  readOnly: boolean;
}

/**
 * bull-board at `/admin/queues`, behind basic auth (constant-time compare) and
 * CSRF protection: the browser resends basic credentials by itself, so a
 * form or fetch from another site must not reach retry/promote/remove.
 * Served on its own listener (`admin.host:admin.port`), away from the API's
 * CORS, rate limit and bearer keys.
 * @example await startHttpServer(createDashboardApp({ queue, credentials, readOnly: false }), { host, port });
 */
export function createDashboardApp({ queue, credentials, readOnly }: DashboardOptions) {
  const serverAdapter = new HonoAdapter(serveStatic).setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(queue, { readOnlyMode: readOnly, allowRetries: !readOnly })],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'dm-jobqueue' } },
  });
  return (
    new Hono()
      .use(
        '*',
        basicAuth({ username: credentials.username, password: credentials.password, realm: 'dm-jobqueue admin' }),
      )
      .use('*', csrf())
      // bull-board's page runs inline scripts, so no CSP here; the other headers (no framing, nosniff, …) apply.
      .use('*', secureHeaders())
      .use('*', bodyLimitBytes(DASHBOARD_BODY_LIMIT_BYTES))
      .get('/', (c) => c.redirect(DASHBOARD_PATH))
      .route(DASHBOARD_PATH, serverAdapter.registerPlugin())
  );
}
