/**
 * The API process: loads the configuration, builds the API service and runs it.
 * Starts even when Redis is down (D11); exits 1 when it cannot start.
 */
import { loadConfig } from './infra/config/load-config.js';
import { createLogger } from './infra/log/logger.js';
import { describeStartupFailure } from './infra/process/fatal.js';
import { runService } from './infra/process/run-service.js';
import { createApiService } from './services/api-service.js';

try {
  const config = loadConfig();
  const logger = await createLogger({ name: 'api', ...config.app.log });
  await runService(createApiService({ config, logger }), { name: 'API server', logger, shutdownTimeoutMs: 10_000 });
} catch (error) {
  process.stderr.write(`${describeStartupFailure('API server', error)}\n`);
  process.exit(1);
}
