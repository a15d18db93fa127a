/**
 * A minimal reproduction, for Hono / @hono/node-server upstream: Hono's `bodyLimit` and `cors` each make a small JSON
 * POST cost more server CPU on @hono/node-server than the route alone, because they touch what the adapter keeps
 * lightweight: `bodyLimit` reads `c.req.raw.body` (the adapter then builds a full web Request), and `cors` sets
 * headers on `c.res` before `next()` (Hono's `res` setter then rebuilds the handler's Response from its body stream,
 * and the adapter builds a full web Response). Only hono, @hono/node-server and autocannon are needed:
 *
 *   npx tsx bench/upstream/hono-builtins.ts
 *
 * It starts one server process per variant and prints the server's CPU time per request for each, over 3 rounds
 * (read from /proc at 100 ticks a second: Linux).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';

const VARIANTS: Record<string, MiddlewareHandler[]> = {
  'route alone': [],
  bodyLimit: [bodyLimit({ maxSize: 16_384 })],
  cors: [cors({ origin: ['http://localhost:3000'] })],
};

const variant = process.argv[2];
if (variant !== undefined) {
  // The server: one POST route that parses its JSON body, behind the variant's middleware.
  const app = new Hono();
  for (const middleware of VARIANTS[variant] ?? []) app.use(middleware);
  app.post('/', async (c) => c.json({ received: await c.req.json<unknown>() }, 201));
  serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.stdout.write(`${info.port}\n`));
} else {
  const cpuSeconds = (pid: number) => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  const load = (url: string, duration: number) =>
    autocannon({
      url,
      method: 'POST',
      connections: 50,
      duration,
      headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' },
      body: '{"message":"hello"}',
    });
  const servers = await Promise.all(
    Object.keys(VARIANTS).map(async (name) => {
      const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), name]);
      const port = await new Promise<string>((resolve) =>
        child.stdout.once('data', (data) => resolve(String(data).trim())),
      );
      return { name, child, url: `http://127.0.0.1:${port}/` };
    }),
  );
  const micros = new Map<string, number[]>();
  for (let round = 0; round < 3; round++) {
    for (const { name, child, url } of servers) {
      await load(url, 1);
      const before = cpuSeconds(child.pid ?? 0);
      const result = await load(url, 4);
      micros.set(name, [
        ...(micros.get(name) ?? []),
        ((cpuSeconds(child.pid ?? 0) - before) * 1e6) / result.requests.total,
      ]);
    }
  }
  for (const { name, child } of servers) {
    const sorted = (micros.get(name) ?? []).sort((a, b) => a - b);
    process.stdout.write(
      `${name.padEnd(12)} ${Math.round(sorted[1] ?? 0)} µs of server CPU per request (median of 3)\n`,
    );
    child.kill();
  }
}
