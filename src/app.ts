import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import type { Logger } from 'pino';
import type { JobProducer } from './jobs/job-producer.js';
import type { IdempotencyStore } from './jobs/idempotency-store.js';
import type { JobStatusReader } from './jobs/job-status.js';
import type { ApiKeySettings } from './infra/auth/api-keys.js';
import { bearerAuth } from './infra/http/bearer-auth.js';
import { corsPolicy, type CorsSettings } from './infra/http/cors-policy.js';
import { createErrorHandler, notFoundHandler } from './infra/http/error-handler.js';
import { bodyLimitBytes } from './infra/http/body-limit.js';
import { rateLimit } from './infra/http/rate-limit-middleware.js';
import type { RateLimitOptions } from './infra/rate-limit/rate-limiter.js';
import { requestLog } from './infra/http/request-log.js';
import { createApiDocsRoutes } from './routes/api-docs.js';
import { createDemoPageRoutes } from './routes/demo-page.js';
import { createDmJobqueueRoutes } from './routes/dm-jobqueue.js';
import { createHealthRoutes, type ReadinessCheck } from './routes/health.js';
import { createMetricsRoutes, type AdminCredentials } from './routes/metrics.js';
import { httpMetrics, registrationMetrics } from './infra/http/metrics-middleware.js';
import type { ApiMetrics } from './infra/metrics/api-metrics.js';
import { demoDelayPrint } from './jobs/demo-delay-print.js';
import { openApiDocument } from './routes/openapi-document.js';

/** Everything the HTTP API needs; the entry passes real clients, tests pass fakes. */
export interface AppDeps {
  producer: JobProducer;
  /** Answers `GET /api/dm-jobqueue/jobs/:id`. */
  statusReader: JobStatusReader;
  /** Backs `Idempotency-Key` on register. */
  idempotency: IdempotencyStore;
  logger: Logger;
  /** Largest accepted request body; larger ones get 413. */
  bodyLimitBytes: number;
  /** Job id generator; random UUIDs unless a test needs fixed ones. */
  newJobId?: () => string;
  /** Per-client limits on /api/*; absent when rate limiting is off. */
  rateLimit?: RateLimitOptions;
  /** Bearer API keys on /api/*: always on. */
  auth: ApiKeySettings;
  /** Browser clients on other origins (`api.cors`); absent: same origin only. */
  cors?: CorsSettings;
  /** Answers `GET /ready`; absent: always ready. */
  isReady?: ReadinessCheck;
  /** Prometheus metrics; `/metrics` is served only with `adminCredentials`. */
  metrics?: ApiMetrics;
  adminCredentials?: AdminCredentials;
}

/**
 * Builds the Hono app. No I/O: safe to call in tests with fakes.
 * @example const app = createApp({ producer: fakeProducer, statusReader: fakeReader, logger, bodyLimitBytes: 16384, auth });
 *          await app.request('/api/dm-jobqueue/register', { method: 'POST' });
 */
export function createApp(deps: AppDeps) {
  const app = new Hono();
  // Every answer carries X-Request-Id (a caller's own is kept when it looks like an id), and so does its log line.
  app.use(requestId());
  app.use(requestLog(deps.logger));
  if (deps.metrics) {
    app.use(httpMetrics(deps.metrics));
    app.use('/api/dm-jobqueue/register', registrationMetrics(deps.metrics, demoDelayPrint.type));
  }
  // Preflights are answered here, before they can be counted or refused for lacking a key.
  if (deps.cors) app.use('/api/*', corsPolicy(deps.cors));
  // Only the API is limited and authenticated: the page, /health and static files stay open.
  if (deps.rateLimit) app.use('/api/*', rateLimit(deps.rateLimit));
  app.use('/api/*', bearerAuth(deps.auth));
  app.use('/api/*', bodyLimitBytes(deps.bodyLimitBytes));
  app.route('/', createHealthRoutes(deps.isReady));
  app.route(
    '/api/dm-jobqueue',
    createDmJobqueueRoutes({
      producer: deps.producer,
      statusReader: deps.statusReader,
      idempotency: deps.idempotency,
      newJobId: deps.newJobId ?? randomUUID,
    }),
  );
  app.route('/', createDemoPageRoutes());
  app.route('/', createApiDocsRoutes({ openApiDocument: openApiDocument(app) }));
  const { metrics, adminCredentials } = deps;
  if (metrics && adminCredentials)
    app.route(
      '/',
      createMetricsRoutes(() => metrics.registry.metrics(), adminCredentials),
    );
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(deps.logger));
  return app;
}

export type App = ReturnType<typeof createApp>;
