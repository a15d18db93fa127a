import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Outcomes of a registration attempt: stored (201), rejected (bad input), redis_unavailable (503). */
export type RegistrationOutcome = 'stored' | 'replayed' | 'rejected' | 'redis_unavailable';

export interface ApiMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly jobsRegistered: Counter<'job_type' | 'outcome'>;
}

/**
 * The API's Prometheus metrics, on a registry of its own (not prom-client's
 * global one, so two apps in one process, e.g. in tests, do not collide),
 * with prom-client's process metrics.
 * @example const metrics = createApiMetrics(); createApp({ ..., metrics });
 */
export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
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
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
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
