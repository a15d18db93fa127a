import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import type { Logger } from 'pino';
import type { ApiKeySettings } from './infra/auth/api-keys.js';
import type { AppExtension } from './extras/extra.js';
import type { AppConfig } from './infra/config/schema.js';
import { bearerAuth } from './infra/http/bearer-auth.js';
import { cors } from 'hono/cors';
import { bodyLimitByHeader } from './infra/http/fast-paths.js';
import {
  createErrorHandler,
  notFoundHandler,
  PROBLEM_TYPES,
  problemResponse,
  strictJson,
} from './infra/http/problem.js';
import { requestLog } from './infra/log.js';
import type { RegistrationListener } from './jobs/register-job.js';
import { rateLimit, refusedLimit, type RateLimitOptions } from './infra/rate-limit/rate-limit.js';
import { createApiDocsRoutes } from './routes/api-docs.js';
import { createDmJobqueueRoutes, type DmJobqueueDeps } from './routes/dm-jobqueue.js';
import { createHealthRoutes } from './routes/health.js';

/** A group of endpoints under `/api/`: what every `/api/*` route gets (auth, limits, metrics, OpenAPI) applies to it. */
export interface ApiEndpoints {
  readonly path: `/api/${string}`;
  readonly routes: (deps: AppDeps) => Hono;
}

/** This service's endpoints. Adding yours: its file in src/routes and a line here. */
export const apiEndpoints: readonly ApiEndpoints[] = [
  { path: '/api/dm-jobqueue', routes: (deps) => createDmJobqueueRoutes(deps) },
];

export interface AppDeps extends DmJobqueueDeps {
  endpoints?: readonly ApiEndpoints[] | undefined;
  logger: Logger;
  auth: ApiKeySettings;
  bodyLimitBytes: number;
  rateLimit?: RateLimitOptions | undefined;
  cors?: AppConfig['api']['cors'] | undefined;
  isReady?: () => boolean;
  extensions?: readonly AppExtension[] | undefined;
}

/** Another origin gets no `Access-Control-Allow-Origin`, so the browser blocks it; every answer varies on Origin. */
function corsFrom(settings: AppConfig['api']['cors']) {
  return cors({
    origin: settings.allowed_origins,
    allowMethods: settings.allowed_methods,
    allowHeaders: settings.allowed_headers,
    exposeHeaders: settings.exposed_headers,
    credentials: settings.allow_credentials,
    maxAge: settings.max_age_seconds,
  });
}

/** Builds the Hono app. No I/O: safe to call in tests with fakes. */
export function createApp(deps: AppDeps) {
  const extensions = deps.extensions ?? [];
  const app = new Hono();
  // Every answer carries X-Request-Id (a caller's own is kept when it looks like an id), and so does its log line.
  app.use(requestId());
  app.use(requestLog(deps.logger));
  for (const { middleware } of extensions) if (middleware) app.use(middleware);
  // Preflights are answered here, before they can be counted or refused for lacking a key.
  if (deps.cors) app.use('/api/*', corsFrom(deps.cors));
  // Only the API is limited; 401s have their own per-IP budget, so valid keys' windows count only authenticated requests.
  if (deps.rateLimit) app.use('/api/*', refusedLimit(deps.rateLimit));
  app.use('/api/*', bearerAuth(deps.auth));
  if (deps.rateLimit) app.use('/api/*', rateLimit(deps.rateLimit));
  const detail = `The request body must be at most ${deps.bodyLimitBytes} bytes`;
  const tooLarge = { type: PROBLEM_TYPES.http, title: 'Content Too Large', status: 413, detail } as const;
  app.use(
    '/api/*',
    bodyLimitByHeader(deps.bodyLimitBytes, (c) => problemResponse(c, tooLarge)),
  );
  app.use('/api/*', strictJson());

  app.route('/', createHealthRoutes(deps.isReady));
  // Registrations are reported where they happen, by job type: routes hand this listener to the core.
  const listeners = [deps.onRegistration, ...extensions.map((each) => each.onRegistration)].filter((each) => !!each);
  const onRegistration: RegistrationListener = (jobType, outcome) => {
    for (const listener of listeners) listener(jobType, outcome);
  };
  const registration = deps.registration ?? extensions.find((each) => each.registration)?.registration;
  const routeDeps = { ...deps, onRegistration, registration };
  for (const { path, routes } of deps.endpoints ?? apiEndpoints) app.route(path, routes(routeDeps));
  app.route('/', createApiDocsRoutes(app));
  for (const { mount } of extensions) mount?.(app);
  app.notFound(notFoundHandler);
  const answers = extensions.map((each) => each.errorAnswer).filter((each) => !!each);
  app.onError(createErrorHandler(deps.logger, answers));
  return app;
}
