import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { ApiMetrics, RegistrationOutcome } from '../metrics/api-metrics.js';

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

function outcomeOf(status: number, replayed: boolean): RegistrationOutcome | undefined {
  // A replay (Idempotency-Key) answers for a job stored before: not a second registration.
  if (status === 201) return replayed ? 'replayed' : 'stored';
  if (status === 503) return 'redis_unavailable';
  if (status === 400 || status === 413 || status === 409 || status === 415 || status === 422) return 'rejected';
  // 401/403/429 never got as far as trying to register.
  return undefined;
}

/** Counts the outcome of each registration of `jobType` on the route it is mounted on. */
export function registrationMetrics(metrics: ApiMetrics, jobType: string): MiddlewareHandler {
  return async function registrationMetricsMiddleware(c, next) {
    await next();
    // From the context, not c.res.headers: reading a response's headers makes the Node adapter build a full Response.
    const outcome = outcomeOf(c.res.status, c.get('idempotentReplay') === true);
    if (outcome) metrics.jobsRegistered.inc({ job_type: jobType, outcome });
  };
}
