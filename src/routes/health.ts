import { Hono } from 'hono';
import { PROBLEM_TYPES, problemResponse } from '../infra/http/problem.js';

/** True while the process can do its work (its job-queue Redis is reachable). */
export type ReadinessCheck = () => boolean;

/**
 * `GET /health` → 200 `OK` (text/plain): the process is up (liveness; never
 * depends on Redis, so an orchestrator does not restart a process that is
 * waiting for Redis). `GET /ready` → 200 `ready`, or 503 problem+json while the
 * job-queue Redis is unreachable (take it out of a load balancer meanwhile).
 * @example app.route('/', createHealthRoutes(() => client.status === 'ready'));
 */
export function createHealthRoutes(isReady: ReadinessCheck = () => true) {
  return new Hono()
    .get('/health', (c) => c.text('OK'))
    .get('/ready', (c) => {
      c.header('Cache-Control', 'no-store');
      if (isReady()) return c.text('ready');
      return problemResponse(
        c,
        {
          type: PROBLEM_TYPES.unavailable,
          title: 'Service Unavailable',
          status: 503,
          detail: 'Not ready: the job-queue Redis is not reachable',
        },
        { 'Retry-After': '5' },
      );
    });
}
