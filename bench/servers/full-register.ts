/**
 * The real endpoint: createApp with the real producer and middleware stack.
 * RATE_LIMIT=off | memory | cluster (CLUSTER_ADDRS) selects the limiter; its
 * limits are set far above the load so every request is counted and served.
 */
import { Redis } from 'ioredis';
import { createApp } from '../../src/app.js';
import { startHttpServer } from '../../src/infra/http/serve.js';
import { createLogger } from '../../src/infra/log/logger.js';
import { createBullmqProducer } from '../../src/infra/queue/bullmq-producer.js';
import { createBullmqStatusReader } from '../../src/infra/queue/bullmq-status-reader.js';
import { createLazyQueue } from '../../src/infra/queue/lazy-queue.js';
import { createRateLimiter } from '../../src/infra/rate-limit/create-rate-limiter.js';
import { createClusterClient } from '../../src/infra/redis/cluster-client.js';
import { producerRedisOptions } from '../../src/infra/redis/connection-options.js';
import { configWithRateLimit } from '../../test/helpers/test-config.js';
import { announce, benchEnv } from './env.js';

const { port, redisPort, queueName } = benchEnv();
const mode = process.env.RATE_LIMIT ?? 'memory';
const clusterAddrs = (process.env.CLUSTER_ADDRS ?? '').split(',').filter(Boolean);

const config = configWithRateLimit(
  { enabled: mode !== 'off', requests_per_minute: 100_000_000, requests_per_hour: 1_000_000_000, storage_type: mode === 'cluster' ? 'redis' : 'memory' },
  clusterAddrs,
);
config.cache.redis.jobqueue.addr = { host: '127.0.0.1', port: redisPort };
const logger = await createLogger({ name: 'bench-api', level: 'info', format: 'json' });
// BENCH_CLIENT_OPTIONS (JSON) overrides client options, for experiments (e.g. '{"enableAutoPipelining":false}').
const client = new Redis({ ...producerRedisOptions(config.cache.redis.jobqueue), ...(JSON.parse(process.env.BENCH_CLIENT_OPTIONS ?? '{}') as object) });
const queue = createLazyQueue({ client, location: { name: queueName, prefix: 'bull' }, logger });
// BENCH_MAX_WRITES (experiments): batches in flight at once.
const producer = createBullmqProducer({ queue, logger, ...(process.env.BENCH_MAX_WRITES ? { maxWrites: Number(process.env.BENCH_MAX_WRITES) } : {}) });
const statusReader = createBullmqStatusReader({ queue, logger });
const cluster = mode === 'cluster' ? createClusterClient(config.cache.redis.default.cluster) : undefined;
const limiter = createRateLimiter(config, { logger, ...(cluster ? { cluster } : {}) });
// BENCH_FAKE_PRODUCER=1 (experiments): the whole HTTP stack with no Redis behind it.
const fakeProducer = { enqueue: async () => ({ createdAt: Date.now() }) };
const app = createApp({
  producer: process.env.BENCH_FAKE_PRODUCER === '1' ? fakeProducer : producer,
  statusReader,
  logger,
  bodyLimitBytes: 16_384,
  ...(limiter ? { rateLimit: { limiter, trustProxy: false, perMinute: 100_000_000 } } : {}),
});
// Wait for the connections so the first requests measure the steady state
// (not for the fail-fast bench, which runs against a Redis that is down).
client.on('error', () => undefined);
if (process.env.WAIT_FOR_REDIS !== 'no') await new Promise<void>((resolve) => (client.status === 'ready' ? resolve() : client.once('ready', () => resolve())));
if (cluster) await new Promise<void>((resolve) => (cluster.status === 'ready' ? resolve() : cluster.once('ready', () => resolve())));
const server = await startHttpServer(app, { host: '127.0.0.1', port });
announce(server.port);
process.on('SIGTERM', () => process.exit(0));
