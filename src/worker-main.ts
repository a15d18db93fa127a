/**
 * The worker process: runs the jobs registered through the API, and serves
 * `GET /health` on `jobqueue.port`. Starts even when Redis is down; exits 1
 * when it cannot start or its run loop fails.
 */
import { loadConfig } from './infra/config/load-config.js';
import { createLogger } from './infra/log/logger.js';
import { describeStartupFailure } from './infra/process/fatal.js';
import { runService } from './infra/process/run-service.js';
import { createWorkerService } from './services/worker-service.js';

try {
  const config = loadConfig();
  const logger = await createLogger({ name: 'worker', ...config.app.log });
  const jobDeps = { print: (line: string) => void process.stdout.write(`${line}\n`), now: () => new Date(), logger };
  await runService(createWorkerService({ config, logger, jobDeps }), {
    name: 'worker',
    logger,
    shutdownTimeoutMs: config.app.jobqueue.shutdown_timeout_seconds * 1000,
  });
} catch (error) {
  process.stderr.write(`${describeStartupFailure('worker', error)}\n`);
  process.exit(1);
}
