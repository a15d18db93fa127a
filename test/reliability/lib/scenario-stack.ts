import type { NodeProcess } from '../../../scripts/lib/node-process.js';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.js';
import type { createCleanup } from './cleanup.js';
import { NO_RATE_LIMIT, writeConfigDir } from './config-dir.js';
import { createHttpClient } from './http-client.js';
import { scenarioEnv, startApi, startWorker, waitUntilReady, type ApiProcess } from './processes.js';

export interface ScenarioStack {
  redis: RedisServer;
  env: Record<string, string>;
  api: ApiProcess;
  workers: NodeProcess[];
  client: ReturnType<typeof createHttpClient>;
}

/**
 * The load scenarios' set-up: a private Redis with AOF as shipped, the real API
 * (rate limit off: one client IP sends everything) and `workers` real worker
 * processes, the API ready, and a keep-alive client of `sockets` sockets.
 * Everything is handed to `cleanup`.
 */
export async function startScenarioStack(
  cleanup: ReturnType<typeof createCleanup>,
  { workers: count, sockets, env: extra = {} }: { workers: number; sockets: number; env?: Record<string, string> },
): Promise<ScenarioStack> {
  const redis = await startRedisServer({ appendonly: true });
  cleanup.add(() => redis.destroy());
  const config = writeConfigDir([NO_RATE_LIMIT]);
  cleanup.add(() => config.remove());
  const env = scenarioEnv(redis.addr, config.dir, extra);
  const api = await startApi(env);
  cleanup.add(() => api.stop('SIGKILL'));
  const workers: NodeProcess[] = [];
  for (let n = 0; n < count; n += 1) {
    const worker = await startWorker(env);
    cleanup.add(() => worker.stop('SIGKILL'));
    workers.push(worker);
  }
  await waitUntilReady(api.baseUrl);
  const client = createHttpClient(api.baseUrl, sockets);
  cleanup.add(() => client.close());
  return { redis, env, api, workers, client };
}
