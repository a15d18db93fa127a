import { freePort } from '../../scripts/lib/free-port.js';
import { startNodeProcess, type NodeProcess } from '../../scripts/lib/node-process.js';
import type { RedisServer } from './redis-server.js';
import { TEST_API_SECRET } from './api-keys.js';
import { uniqueQueueName } from './redis-config.js';

export interface Stack {
  api: NodeProcess;
  worker: NodeProcess;
  /** The API, e.g. `http://127.0.0.1:40123` */
  baseUrl: string;
  /** The worker's `GET /health`. */
  healthUrl: string;
  /** The queue dashboard's listener (running only with ADMIN_USER/ADMIN_PASSWORD). */
  adminUrl: string;
  /** The BullMQ queue both processes use, for a test that opens it too. */
  queue: { name: string; prefix: string };
  stop(): Promise<void>;
}

/** The real API and worker processes (APP_ENV=test) on free ports, with their own queue on `redis`. */
export async function startStack(
  redis: RedisServer,
  queuePrefix = 'stack',
  extraEnv: Record<string, string> = {},
): Promise<Stack> {
  const [apiPort, workerPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const env = {
    REDIS_JOBQUEUE_ADDR: redis.addr,
    SERVER_PORT: String(apiPort),
    JOBQUEUE_PORT: String(workerPort),
    JOBQUEUE_QUEUE_NAME: uniqueQueueName(queuePrefix),
    // Set here like the name (config/test/config.yaml's value), so stack.queue names the queue for sure.
    JOBQUEUE_PREFIX: 'bull',
    API_SECRET_KEY: TEST_API_SECRET,
    ADMIN_PORT: String(adminPort),
    ...extraEnv,
  };
  const api = startNodeProcess('src/server.ts', env);
  const worker = startNodeProcess('src/worker.ts', env);
  const stop = async () => {
    await Promise.all([api.stop('SIGKILL'), worker.stop('SIGKILL')]);
  };
  try {
    await api.waitForLine(/API listening/);
    await worker.waitForLine(/worker started/);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    api,
    worker,
    baseUrl: `http://127.0.0.1:${apiPort}`,
    healthUrl: `http://127.0.0.1:${workerPort}/health`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    queue: { name: env.JOBQUEUE_QUEUE_NAME, prefix: env.JOBQUEUE_PREFIX },
    stop,
  };
}

/** `text` as a RegExp matching itself literally. */
export function literal(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}
