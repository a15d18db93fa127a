import { Hono } from 'hono';
import { PROBLEM_TYPES, problemResponse } from '../infra/http/problem.js';

/**
 * `GET /health` → 200 `OK`: liveness, never Redis's (no restart of a process waiting for it).
 * `GET /ready` → 200 `ready`, or 503 problem+json while the job-queue Redis is unreachable.
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
