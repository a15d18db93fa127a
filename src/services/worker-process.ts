import { runProcess } from '../infra/process/run-process.js';
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
  await runProcess({ name: 'worker', logName: 'worker' }, (config, logger) => {
    const jobDeps = { print: (line: string) => void process.stdout.write(`${line}\n`), now: () => new Date(), logger };
    return {
      service: createWorkerService({ config, logger, jobDeps, ...(registry ? { registry } : {}) }),
      shutdownTimeoutMs: workerStopTimeoutMs(config),
    };
  });
}
