import { Hono } from 'hono';
import { queueUnavailable } from '../infra/http/problem.js';

/** `/health` is liveness, never Redis's (no restart of a process waiting for it); `/ready` waits for Redis. */
export function createHealthRoutes(isReady: () => boolean = () => true) {
  return new Hono()
    .get('/health', (c) => c.text('OK'))
    .get('/ready', (c) => {
      c.header('Cache-Control', 'no-store');
      return isReady() ? c.text('ready') : queueUnavailable(c, 'Not ready: the job-queue Redis is not reachable');
    });
}
