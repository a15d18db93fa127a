/**
 * The real worker service with the test job types added (`test:slow`, `test:busy`), run
 * the way src/worker.ts runs it: same config, logger, runService and signal
 * handling. The shipped entry knows only src/jobs/registry.ts.
 */
import { loadConfig } from '../../../src/infra/config/load-config.js';
import { createLogger } from '../../../src/infra/log/logger.js';
import { describeStartupFailure } from '../../../src/infra/process/fatal.js';
import { runService } from '../../../src/infra/process/run-service.js';
import { jobDefinitions, createJobRegistry } from '../../../src/jobs/registry.js';
import { createWorkerService, workerStopTimeoutMs } from '../../../src/services/worker-service.js';
import { testBusy } from '../../jobs/test-busy.js';
import { testSlow } from '../../jobs/test-slow.js';

try {
  const config = loadConfig();
  const logger = await createLogger({ name: 'worker', ...config.app.log });
  const jobDeps = { print: (line: string) => void process.stdout.write(`${line}\n`), now: () => new Date(), logger };
  await runService(createWorkerService({ config, logger, jobDeps, registry: createJobRegistry([...jobDefinitions, testSlow, testBusy]) }), {
    name: 'worker',
    logger,
    shutdownTimeoutMs: workerStopTimeoutMs(config),
  });
} catch (error) {
  process.stderr.write(`${describeStartupFailure('worker', error)}\n`);
  process.exit(1);
}
