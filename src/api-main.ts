/**
 * The API process: loads the configuration, builds the API service and runs it.
 * Starts even when Redis is down (D11); exits 1 when it cannot start.
 */
import { runProcess } from './infra/process/run-process.js';
import { createApiService } from './services/api-service.js';

await runProcess({ name: 'API server', logName: 'api' }, (config, logger) => ({
  service: createApiService({ config, logger }),
  shutdownTimeoutMs: 10_000,
}));
