import type { Logger } from 'pino';

export interface ShutdownOptions {
  logger: Logger;
  /** After this long the process exits with 1 even if `stop` has not finished. */
  timeoutMs: number;
  /** For tests; the real process by default. */
  exit?: (code: number) => void;
}

/**
 * Runs `stop` once on the first SIGTERM or SIGINT, then exits 0 (1 on error or
 * timeout). Later signals are logged and ignored, so a double Ctrl-C does not
 * cut a running job in half.
 * @example onShutdownSignal(async () => { await worker.close(); }, { logger, timeoutMs: 30_000 });
 */
export function onShutdownSignal(stop: () => Promise<void>, options: ShutdownOptions): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      // Info, not warn: a terminal or a process manager often sends the signal twice.
      options.logger.info({ signal }, 'already shutting down; waiting for running work to finish');
      return;
    }
    stopping = true;
    options.logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      options.logger.error({ timeoutMs: options.timeoutMs }, 'shutdown timed out; exiting anyway');
      exit(1);
    }, options.timeoutMs);
    timer.unref();
    stop().then(
      () => {
        clearTimeout(timer);
        options.logger.info('stopped');
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(timer);
        options.logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
