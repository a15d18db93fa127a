import { Hono, type MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BasicCredentials } from '../../infra/config/schema.js';
import { throttledBasicAuth } from '../../infra/http/basic-auth-throttle.js';
import type { JobEvents } from '../../infra/queue/bullmq-worker.js';
import { REGISTRATION_OUTCOMES, type RegistrationOutcome } from '../../jobs/register-job.js';
import { jobDefinitions } from '../../jobs/registry.js';

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** A registry of its own (not prom-client's global one, so two apps in a test process do not collide). */
function newRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The statuses the API answers; each is exported at 0 from the start, so `rate()` counts the first of each. */
const STATUSES = ['200', '201', '400', '401', '403', '404', '409', '413', '415', '422', '429', '500', '503'];

/** A worker's `job_type` for a job name the registry does not know (another client on the queue): one series, not one per name. */
export const UNKNOWN_JOB_TYPE = 'unknown';

export function createApiMetrics(jobTypes: readonly string[] = jobDefinitions.map((definition) => definition.type)) {
  const registry = newRegistry();
  const jobsRegistered = new Counter({
    name: 'dm_jobqueue_jobs_registered_total',
    help: 'Registration attempts by job type and outcome',
    labelNames: ['job_type', 'outcome'],
    registers: [registry],
  });
  for (const jobType of jobTypes)
    for (const outcome of REGISTRATION_OUTCOMES) jobsRegistered.inc({ job_type: jobType, outcome }, 0);
  const registers = [registry];
  const help = 'HTTP requests answered, by route pattern and status';
  const labelNames = ['method', 'route', 'status'];
  const httpRequests = new Counter({ name: 'http_requests_total', help, labelNames, registers });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern',
    labelNames: ['method', 'route'],
    buckets: SECONDS.slice(0, 11),
    registers,
  });
  const countRegistration = (jobType: string, outcome: RegistrationOutcome) =>
    void jobsRegistered.inc({ job_type: jobType, outcome });
  return { registry, httpRequests, httpDuration, jobsRegistered, countRegistration };
}

/** On the API, so it stays visible exactly when no worker is there to start jobs. */
export function addOverdueGauge(registry: Registry, oldestOverdueSeconds: () => Promise<number>): void {
  new Gauge({
    name: 'dm_jobqueue_oldest_overdue_seconds',
    help: 'Seconds since the earliest job that has not started fell due (0 when none), read at scrape time',
    registers: [registry],
    async collect() {
      this.reset();
      const seconds = await oldestOverdueSeconds().catch(() => undefined);
      if (seconds !== undefined) this.set(seconds);
    },
  });
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;

export function zeroHttpRoute(metrics: ApiMetrics, method: string, route: string): void {
  for (const status of STATUSES) metrics.httpRequests.inc({ method, route, status }, 0);
  metrics.httpDuration.zero({ method, route });
}

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

/** Any job name not in `jobTypes` counts as `unknown`; every series starts at 0. */
export function createWorkerMetrics(jobTypes: readonly string[], queueDepth: () => Promise<Record<string, number>>) {
  const registry = newRegistry();
  const labels = [...jobTypes, UNKNOWN_JOB_TYPE].map((jobType) => ({ job_type: jobType }));
  const known = (jobType: string) => ({ job_type: jobTypes.includes(jobType) ? jobType : UNKNOWN_JOB_TYPE });
  const counter = (name: string, help: string) => {
    const made = new Counter({ name, help, labelNames: ['job_type'], registers: [registry] });
    for (const each of labels) made.inc(each, 0);
    return made;
  };
  const completed = counter('dm_jobqueue_jobs_completed_total', 'Jobs that ran to completion, by job type');
  const failed = counter(
    'dm_jobqueue_jobs_failed_total',
    'Jobs that failed for good (out of retries, or unrecoverable), by job type',
  );
  const retried = counter('dm_jobqueue_jobs_retried_total', 'Failed runs that will be retried, by job type');
  const cancelled = counter(
    'dm_jobqueue_jobs_cancelled_total',
    'Jobs ended without running because a client cancelled them (DELETE), by job type',
  );
  const expired = counter(
    'dm_jobqueue_jobs_expired_total',
    'Jobs ended without running because their expires_at passed before an attempt could start, by job type',
  );
  const stalled = new Counter({
    name: 'dm_jobqueue_jobs_stalled_total',
    help: 'Jobs whose worker stopped renewing the lock (they run again)',
    registers: [registry],
  });
  const histogram = (name: string, help: string) => {
    const made = new Histogram({ name, help, labelNames: ['job_type'], buckets: SECONDS, registers: [registry] });
    for (const each of labels) made.zero(each);
    return made;
  };
  const processing = histogram('dm_jobqueue_job_processing_seconds', 'Run time of a job, by job type');
  const lateness = histogram(
    'dm_jobqueue_job_start_lateness_seconds',
    "How long after its due time a job's first run started, by job type",
  );
  new Gauge({
    name: 'dm_jobqueue_queue_jobs',
    help: 'Jobs in the queue by state, read at scrape time (absent while Redis is unreachable)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await queueDepth().catch(() => ({}));
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
    },
  });
  return {
    registry,
    events: {
      completed(jobType, runSeconds, latenessSeconds) {
        completed.inc(known(jobType));
        if (runSeconds !== undefined) processing.observe(known(jobType), runSeconds);
        if (latenessSeconds !== undefined) lateness.observe(known(jobType), latenessSeconds);
      },
      failed: (jobType, willRetry) => (willRetry ? retried : failed).inc(known(jobType)),
      stalled: () => stalled.inc(),
      // Counted once, when a worker ends the job: a repeated DELETE is no second cancel.
      cancelled: (jobType) => cancelled.inc(known(jobType)),
      expired: (jobType) => expired.inc(known(jobType)),
    } satisfies JobEvents,
  };
}

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function createMetricsRoutes(registry: Registry, credentials: BasicCredentials) {
  const { username, password } = credentials;
  return new Hono()
    .use('/metrics', throttledBasicAuth({ username, password, realm: 'dm-jobqueue metrics' }))
    .get('/metrics', async (c) => {
      c.header('Cache-Control', 'no-store');
      return c.body(await registry.metrics(), 200, { 'Content-Type': CONTENT_TYPE });
    });
}
