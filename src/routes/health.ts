import { Hono } from 'hono';
import { PROBLEM_TYPES, problemResponse } from '../infra/http/problem.js';

/**
 * `GET /health` → 200 `OK` (text/plain): the process is up (liveness; never depends on Redis, so
 * an orchestrator does not restart a process that is waiting for Redis). `GET /ready` → 200
 * `ready`, or 503 problem+json while the job-queue Redis is unreachable (out of a load balancer).
 * @example app.route('/', createHealthRoutes(() => client.status === 'ready'));
 */
export function createHealthRoutes(isReady: () => boolean = () => true) {
  return new Hono()
    .get('/health', (c) => c.text('OK'))
    .get('/ready', (c) => {
      c.header('Cache-Control', 'no-store');
      if (isReady()) return c.text('ready');
      const detail = 'Not ready: the job-queue Redis is not reachable';
      const problem = { type: PROBLEM_TYPES.unavailable, title: 'Service Unavailable', status: 503, detail } as const;
      return problemResponse(c, problem, { 'Retry-After': '5' });
    });
}
