import type { Logger } from 'pino';
import type { Service } from '../../services/service.js';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { createLogger } from '../log/logger.js';
import { describeStartupFailure } from './fatal.js';
import { runService } from './run-service.js';

export interface ProcessParts {
  service: Service;
  /** How long a SIGTERM may take before the process exits 1 anyway. */
  shutdownTimeoutMs: number;
}

/**
 * An entry's whole life: loads the configuration, makes the logger, builds
 * the service and runs it ({@link runService}). Anything that fails before
 * the service runs (a bad config file, a missing secret) is one line on
 * stderr and exit 1, never a stack trace.
 * @example await runProcess({ name: 'API server', logName: 'api' }, (config, logger) => ({ service: createApiService({ config, logger }), shutdownTimeoutMs: 10_000 }));
 */
export async function runProcess(
  { name, logName }: { name: string; logName: string },
  build: (config: Config, logger: Logger) => ProcessParts,
): Promise<void> {
  try {
    const config = loadConfig();
    const logger = await createLogger({ name: logName, ...config.app.log });
    const { service, shutdownTimeoutMs } = build(config, logger);
    await runService(service, { name, logger, shutdownTimeoutMs });
  } catch (error) {
    process.stderr.write(`${describeStartupFailure(name, error)}\n`);
    process.exit(1);
  }
}
