import type { Logger } from 'pino';
import type { Service } from '../../services/service.js';
import { describeStartupFailure } from './fatal.js';
import { onShutdownSignal } from './shutdown.js';

export interface RunServiceOptions {
  /** For messages: `API server`, `worker`. */
  name: string;
  logger: Logger;
  /** How long a SIGTERM may take before the process exits 1 anyway. */
  shutdownTimeoutMs: number;
  /** For tests; the real process by default. */
  exit?: (code: number) => void;
  /** For tests; stderr by default. */
  writeError?: (line: string) => void;
}

/**
 * Starts `service` and keeps the process up until SIGTERM/SIGINT (then exits 0
 * once it stopped). A failed start, or a failure after it, stops what was
 * opened and exits 1 at once: open Redis clients must not keep a process alive
 * that cannot do its work.
 * @example await runService(createApiService({ config, logger }), { name: 'API server', logger, shutdownTimeoutMs: 10_000 });
 */
export async function runService(service: Service, options: RunServiceOptions): Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const writeError = options.writeError ?? ((line: string) => process.stderr.write(`${line}\n`));
  const giveUp = async (error: unknown, what: string) => {
    writeError(describeStartupFailure(options.name, error, what));
    // Bounded like a SIGTERM: a stop that hangs (Redis down, a job that never ends) must not keep the process up.
    const stopped = service
      .stop()
      .catch((stopError: unknown) => options.logger.error({ err: stopError }, 'stop after a failure failed'));
    await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, options.shutdownTimeoutMs).unref())]);
    exit(1);
  };
  service.failure.catch((error: unknown) => giveUp(error, 'stopped'));
  try {
    await service.start();
  } catch (error) {
    await giveUp(error, 'could not start');
    return;
  }
  onShutdownSignal(() => service.stop(), { logger: options.logger, timeoutMs: options.shutdownTimeoutMs, exit });
}
