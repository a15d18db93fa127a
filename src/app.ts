import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { JobProducer } from './jobs/job-producer.js';
import type { JobStatusReader } from './jobs/job-status.js';
import { createErrorHandler, notFoundHandler } from './infra/http/error-handler.js';
import { bodyLimitBytes } from './infra/http/body-limit.js';
import { rateLimit } from './infra/http/rate-limit-middleware.js';
import type { RateLimitOptions } from './infra/rate-limit/rate-limiter.js';
import { requestLog } from './infra/http/request-log.js';
import { createDemoPageRoutes } from './routes/demo-page.js';
import { createDmJobqueueRoutes } from './routes/dm-jobqueue.js';
import { createHealthRoutes } from './routes/health.js';

/** Everything the HTTP API needs; the entry passes real clients, tests pass fakes. */
export interface AppDeps {
  producer: JobProducer;
  /** Answers `GET /api/dm-jobqueue/jobs/:id`. */
  statusReader: JobStatusReader;
  logger: Logger;
  /** Largest accepted request body; larger ones get 413. */
  bodyLimitBytes: number;
  /** Job id generator; random UUIDs unless a test needs fixed ones. */
  newJobId?: () => string;
  /** Per-client limits on /api/*; absent when rate limiting is off. */
  rateLimit?: RateLimitOptions;
}

/**
 * Builds the Hono app. No I/O: safe to call in tests with fakes.
 * @example const app = createApp({ producer: fakeProducer, statusReader: fakeReader, logger, bodyLimitBytes: 16384 });
 *          await app.request('/api/dm-jobqueue/register', { method: 'POST' });
 */
export function createApp(deps: AppDeps) {
  const app = new Hono();
  app.use(requestLog(deps.logger));
  // Only the API is limited: the page, /health and static files stay reachable.
  if (deps.rateLimit) app.use('/api/*', rateLimit(deps.rateLimit));
  app.use('/api/*', bodyLimitBytes(deps.bodyLimitBytes));
  app.route('/', createHealthRoutes());
  app.route(
    '/api/dm-jobqueue',
    createDmJobqueueRoutes({ producer: deps.producer, statusReader: deps.statusReader, newJobId: deps.newJobId ?? randomUUID }),
  );
  app.route('/', createDemoPageRoutes());
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(deps.logger));
  return app;
}

export type App = ReturnType<typeof createApp>;
