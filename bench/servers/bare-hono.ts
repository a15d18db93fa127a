/** The HTTP ceiling: parses the same JSON and answers 201 without touching Redis. */
import { randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { announce, benchEnv } from './env.js';

const { port } = benchEnv();
const app = new Hono();
app.post('/api/dm-jobqueue/register', async (c) => {
  const body = await c.req.json<{ message?: string }>();
  return c.json({ job_id: randomUUID(), status: 'registered', message: body.message }, 201);
});
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => announce(info.port));
