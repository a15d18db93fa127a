/** HTTP API entry (`node dist/server.js`). Starts even when Redis is down; exits 1 when it cannot start. */
import { createApiService } from './api.js';
import { runProcess } from './infra/process.js';

await runProcess({ name: 'API server', logName: 'api' }, (config, logger) => ({
  service: createApiService({ config, logger }),
  shutdownTimeoutMs: 10_000,
}));
