import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import type { JobProducer } from './jobs/job-producer.js';
import { createErrorHandler, notFoundHandler } from './infra/http/error-handler.js';
import { PROBLEM_TYPES, problemResponse } from './infra/http/problem.js';
import { requestLog } from './infra/http/request-log.js';
import { createDmJobqueueRoutes } from './routes/dm-jobqueue.js';
import { createHealthRoutes } from './routes/health.js';

/** Everything the HTTP API needs; the entry passes real clients, tests pass fakes. */
export interface AppDeps {
  producer: JobProducer;
  logger: Logger;
  /** Largest accepted request body; larger ones get 413. */
  bodyLimitBytes: number;
  /** Job id generator; random UUIDs unless a test needs fixed ones. */
  newJobId?: () => string;
}

/**
 * Builds the Hono app. No I/O: safe to call in tests with fakes.
 * @example const app = createApp({ producer: fakeProducer, logger, bodyLimitBytes: 16384 });
 *          await app.request('/api/dm-jobqueue/register', { method: 'POST' });
 */
export function createApp(deps: AppDeps) {
  const app = new Hono();
  app.use(requestLog(deps.logger));
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: deps.bodyLimitBytes,
      onError: (c) =>
        problemResponse(c, {
          type: PROBLEM_TYPES.http,
          title: 'Content Too Large',
          status: 413,
          detail: `The request body must be at most ${deps.bodyLimitBytes} bytes`,
        }),
    }),
  );
  app.route('/', createHealthRoutes());
  app.route('/api/dm-jobqueue', createDmJobqueueRoutes({ producer: deps.producer, newJobId: deps.newJobId ?? randomUUID }));
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(deps.logger));
  return app;
}

export type App = ReturnType<typeof createApp>;
