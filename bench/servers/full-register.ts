/**
 * The real endpoint: the API service `npm run start:api` runs (src/services/api-service.ts),
 * with the test configuration pointed at the bench's Redis.
 * RATE_LIMIT=off | memory | cluster (CLUSTER_ADDRS) selects the limiter; its
 * limits are set far above the load so every request is counted and served
 * (LIMIT_PER_MINUTE and LIMIT_PER_HOUR set them, for the equivalence check).
 * Metrics are on (METRICS_USER / METRICS_PASSWORD, bench defaults), as everything is.
 * BENCH_FAKE_PRODUCER=1 (experiments): the whole HTTP stack with no Redis behind it.
 */
import { createLogger } from '../../src/infra/log.js';
import { createApiService } from '../../src/server.js';
import { AUTH_HEADERS, TEST_API_SECRET } from '../../test/helpers/api-keys.js';
import { configWithRateLimit } from '../../test/helpers/test-config.js';
import { announce, benchEnv, profileOnSignal } from './env.js';

const { port, redisPort, queueName } = benchEnv();
const mode = process.env.RATE_LIMIT ?? 'memory';
const clusterAddrs = (process.env.CLUSTER_ADDRS ?? '').split(',').filter(Boolean);

const config = configWithRateLimit(
  {
    enabled: mode !== 'off',
    requests_per_minute: Number(process.env.LIMIT_PER_MINUTE ?? 100_000_000),
    requests_per_hour: Number(process.env.LIMIT_PER_HOUR ?? 1_000_000_000),
    storage_type: mode === 'cluster' ? 'redis' : 'memory',
  },
  clusterAddrs,
);
config.cache.redis.jobqueue.addr = { host: '127.0.0.1', port: redisPort };
config.app.server = { ...config.app.server, host: '127.0.0.1', port };
config.app.jobqueue.queue_name = queueName;
config.secrets.apiSecretKey = TEST_API_SECRET;
const metricsCredentials = {
  username: process.env.METRICS_USER ?? 'metrics',
  password: process.env.METRICS_PASSWORD ?? 'bench-metrics-password',
};
config.extras = { ...config.extras, metrics: metricsCredentials };
const logger = await createLogger({ name: 'bench-api', level: 'info', format: 'json' });
const fakeProducer = { enqueue: async () => ({ createdAt: Date.now() }) };
const api = createApiService({
  config,
  logger,
  ...(process.env.BENCH_FAKE_PRODUCER === '1' ? { overrides: { producer: fakeProducer } } : {}),
});
await api.start();
const url = `http://127.0.0.1:${api.port}/api/dm-jobqueue/register`;
// Wait for Redis so the first requests measure the steady state (not for the
// fail-fast bench, which runs against a Redis that is down).
if (process.env.WAIT_FOR_REDIS !== 'no') {
  for (;;) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
      body: '{}',
    });
    if (response.status === 201) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
profileOnSignal();
announce(api.port ?? port);
process.on('SIGTERM', () => void api.stop().then(() => process.exit(0)));
