/**
 * `npm run demo`: the main job end to end. Makes sure Redis is reachable,
 * starts the API and the worker, registers a job with a 3-second delay over
 * HTTP, waits for the worker to print it, shows it, and exits 0.
 */
import { Queue } from 'bullmq';
import { loadConfig } from '../src/infra/config/load-config.js';
import { workerRedisOptions } from '../src/infra/redis/connection.js';
import { freePort } from './lib/free-port.js';
import { ensureApiSecret } from './lib/ensure-api-secret.js';
import { ensureRedis } from './lib/ensure-redis.js';
import { startNodeProcess, type NodeProcess } from './lib/node-process.js';

const DELAY_SECONDS = 3;
const say = (line: string) => process.stdout.write(`[demo] ${line}\n`);

async function registerJob(apiUrl: string, key: string, message: string) {
  const response = await fetch(`${apiUrl}/api/dm-jobqueue/register`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ message, delay_seconds: DELAY_SECONDS }),
  });
  const body = await response.text();
  if (response.status !== 201) throw new Error(`register answered ${response.status}: ${body}`);
  return JSON.parse(body) as { job_id: string; run_at: string };
}

async function main(): Promise<void> {
  const { config, key } = await ensureApiSecret(loadConfig(), say);
  await ensureRedis(config, say);
  // Own ports and queue, so the demo works next to a running `npm run dev`.
  const [apiPort, workerPort] = [await freePort(), await freePort()];
  const queueName = `dm-jobqueue-demo-${Date.now()}`;
  const env = {
    APP_ENV: config.env,
    API_SECRET_KEY: config.secrets.apiSecretKey ?? '',
    SERVER_PORT: String(apiPort),
    JOBQUEUE_PORT: String(workerPort),
    JOBQUEUE_QUEUE_NAME: queueName,
    LOG_LEVEL: 'info',
    LOG_FORMAT: config.app.log.format,
    // No operator tools: npm run dev's logins in .env.develop.local would turn them on, on the ports it holds.
    ADMIN_USER: '',
    ADMIN_PASSWORD: '',
    METRICS_USER: '',
    METRICS_PASSWORD: '',
  };
  const echo = (name: string) => (stream: 'stdout' | 'stderr', line: string) =>
    (stream === 'stdout' ? process.stdout : process.stderr).write(`[${name}] ${line}\n`);
  const processes: NodeProcess[] = [];
  try {
    const api = startNodeProcess('src/server.ts', env, { onLine: echo('api') });
    const worker = startNodeProcess('src/worker.ts', env, { onLine: echo('worker') });
    processes.push(api, worker);
    await api.waitForLine(/API listening/);
    await worker.waitForLine(/worker started/);

    const message = `Hello from npm run demo at ${new Date().toISOString()}`;
    const job = await registerJob(`http://127.0.0.1:${apiPort}`, key, message);
    say(`registered job ${job.job_id}; it runs at ${job.run_at} (in ${DELAY_SECONDS} s)`);
    const printed = await worker.waitForLine(new RegExp(`\\] ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), {
      stream: 'stdout',
      timeoutMs: 30_000,
    });
    say(`the worker printed: ${printed}`);
    say('done: the API registered the job in Redis and the worker ran it when it was due');
  } finally {
    await Promise.all(processes.map((child) => child.stop('SIGTERM')));
    // The demo's queue is its own; leave nothing of it in Redis.
    const queue = new Queue(queueName, { connection: workerRedisOptions(config.cache.redis.jobqueue) });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

main().catch((error: unknown) => {
  say(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
