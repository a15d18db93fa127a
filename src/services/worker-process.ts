import { loadConfig } from '../infra/config/load-config.js';
import { createLogger } from '../infra/log/logger.js';
import { describeStartupFailure } from '../infra/process/fatal.js';
import { runService } from '../infra/process/run-service.js';
import type { JobRegistry } from '../jobs/registry.js';
import { createWorkerService, workerStopTimeoutMs } from './worker-service.js';

/**
 * The worker process: runs the jobs registered through the API, and serves
 * `GET /health` on `jobqueue.port`. Starts even when Redis is down; exits 1
 * when it cannot start or its run loop fails. `registry` replaces the
 * service's job types (a test entry adds its test-only ones).
 * @example await runWorkerProcess();
 */
export async function runWorkerProcess({ registry }: { registry?: JobRegistry } = {}): Promise<void> {
  try {
    const config = loadConfig();
    const logger = await createLogger({ name: 'worker', ...config.app.log });
    const jobDeps = { print: (line: string) => void process.stdout.write(`${line}\n`), now: () => new Date(), logger };
    await runService(createWorkerService({ config, logger, jobDeps, ...(registry ? { registry } : {}) }), {
      name: 'worker',
      logger,
      shutdownTimeoutMs: workerStopTimeoutMs(config),
    });
  } catch (error) {
    process.stderr.write(`${describeStartupFailure('worker', error)}\n`);
    process.exit(1);
  }
}
