/**
 * Prometheus metrics (an optional extra; docs/make-it-yours.md says how to remove it): the API's
 * request and registration counters, the worker's job counters, and `GET /metrics`.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { routePath } from 'hono/route';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { AdminCredentials } from './config/schema.js';
import type { JobEvents } from './queue/bullmq-worker.js';

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** A registry of its own (not prom-client's global one, so two apps in a test process do not collide). */
function newRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Outcomes of a registration attempt: stored (201), replayed (an Idempotency-Key retry), rejected (bad input), redis_unavailable (503). */
export type RegistrationOutcome = 'stored' | 'replayed' | 'rejected' | 'redis_unavailable';

/**
 * The API's metrics.
 * @example const metrics = createApiMetrics(); app.use(httpMetrics(metrics));
 */
export function createApiMetrics() {
  const registry = newRegistry();
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route pattern',
      labelNames: ['method', 'route'],
      buckets: SECONDS.slice(0, 11),
      registers: [registry],
    }),
    jobsRegistered: new Counter({
      name: 'dm_jobqueue_jobs_registered_total',
      help: 'Registration attempts by job type and outcome',
      labelNames: ['job_type', 'outcome'],
      registers: [registry],
    }),
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;

/** Counts and times every request by the route pattern that answered it (bounded labels, never the raw path). */
export function httpMetrics(metrics: ApiMetrics): MiddlewareHandler {
  return async function httpMetricsMiddleware(c, next) {
    const stop = metrics.httpDuration.startTimer();
    await next();
    const route = routePath(c, -1);
    stop({ method: c.req.method, route });
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
  };
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by a register route that replays an earlier answer (Idempotency-Key): counted apart. */
    idempotentReplay: boolean | undefined;
  }
}

/** Counts the outcome of each registration of `jobType` on the route it is mounted on. */
export function registrationMetrics(metrics: ApiMetrics, jobType: string): MiddlewareHandler {
  return async function registrationMetricsMiddleware(c, next) {
    await next();
    const { status } = c.res;
    let outcome: RegistrationOutcome | undefined;
    if (status === 201) outcome = c.get('idempotentReplay') ? 'replayed' : 'stored';
    else if (status === 503) outcome = 'redis_unavailable';
    else if ([400, 409, 413, 415, 422].includes(status)) outcome = 'rejected';
    // 401/403/429 never got as far as trying to register.
    if (outcome) metrics.jobsRegistered.inc({ job_type: jobType, outcome });
  };
}

/**
 * The worker's metrics, fed by the worker's job events; queue depth is added at scrape time from
 * BullMQ's `exportPrometheusMetrics()`.
 */
export function createWorkerMetrics(): { registry: Registry; events: JobEvents } {
  const registry = newRegistry();
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['job_type'], registers: [registry] });
  const completed = counter('dm_jobqueue_jobs_completed_total', 'Jobs that ran to completion, by job type');
  const failed = counter(
    'dm_jobqueue_jobs_failed_total',
    'Jobs that failed for good (out of retries, or unrecoverable), by job type',
  );
  const retried = counter('dm_jobqueue_jobs_retried_total', 'Failed runs that will be retried, by job type');
  const stalled = new Counter({
    name: 'dm_jobqueue_jobs_stalled_total',
    help: 'Jobs whose worker stopped renewing the lock (they run again)',
    registers: [registry],
  });
  const histogram = (name: string, help: string) =>
    new Histogram({ name, help, labelNames: ['job_type'], buckets: SECONDS, registers: [registry] });
  const processing = histogram('dm_jobqueue_job_processing_seconds', 'Run time of a job, by job type');
  const lateness = histogram(
    'dm_jobqueue_job_start_lateness_seconds',
    "How long after its due time a job's first run started, by job type",
  );
  return {
    registry,
    events: {
      completed(jobType, runSeconds, latenessSeconds) {
        completed.inc({ job_type: jobType });
        if (runSeconds !== undefined) processing.observe({ job_type: jobType }, runSeconds);
        if (latenessSeconds !== undefined) lateness.observe({ job_type: jobType }, latenessSeconds);
      },
      failed: (jobType, willRetry) => (willRetry ? retried : failed).inc({ job_type: jobType }),
      stalled: () => stalled.inc(),
    },
  };
}

/** Prometheus's text format, version 0.0.4. */
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * `GET /metrics` in Prometheus's text format behind basic auth (Hono's basicAuth compares in
 * constant time). `render` returns the texts to join (BullMQ's export lacks the final newline).
 * @example app.route('/', createMetricsRoutes(async () => [await metrics.registry.metrics()], credentials));
 */
export function createMetricsRoutes(render: () => Promise<readonly string[]>, credentials: AdminCredentials) {
  const { username, password } = credentials;
  return new Hono()
    .use('/metrics', basicAuth({ username, password, realm: 'dm-jobqueue metrics' }))
    .get('/metrics', async (c) => {
      const text = (await render()).map((part) => (part === '' || part.endsWith('\n') ? part : `${part}\n`)).join('');
      c.header('Cache-Control', 'no-store');
      return c.body(text, 200, { 'Content-Type': CONTENT_TYPE });
    });
}
