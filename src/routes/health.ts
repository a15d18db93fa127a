import { Hono } from 'hono';

/** `GET /health` → 200 `OK` (text/plain): the process is up and serving. */
export function createHealthRoutes() {
  return new Hono().get('/health', (c) => c.text('OK'));
}
