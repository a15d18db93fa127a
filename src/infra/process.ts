import type { Logger } from 'pino';
import { ConfigError, loadConfig } from './config/load-config.js';
import type { Config } from './config/schema.js';
import { ListenError } from './http/serve.js';
import { createLogger } from './log.js';

/** `start` rejects when it cannot serve, not while Redis is down; `stop` also runs after a failed start. */
export interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
  onFailure?(callback: (error: unknown) => void): void;
}

export function describeFailure(what: string, error: unknown, happened = 'could not start'): string {
  if (error instanceof ConfigError) return `${what} ${happened}: invalid configuration: ${error.message}`;
  if (error instanceof ListenError) return `${what} ${happened}: ${error.message}`;
  return `${what} ${happened}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

/** Later signals are ignored: a double Ctrl-C must not cut a job in half. */
export async function runProcess(
  { name, logName }: { name: string; logName: string },
  build: (config: Config, logger: Logger) => { service: Service; shutdownTimeoutMs: number },
): Promise<void> {
  let logger: Logger | undefined;
  let parts: ReturnType<typeof build> | undefined;
  const stopThenExit = async (code: number) => {
    const timeoutMs = parts?.shutdownTimeoutMs ?? 0;
    const timedOut = new Promise<'timeout'>((resolve) => setTimeout(resolve, timeoutMs, 'timeout').unref());
    const stopped = (parts?.service.stop() ?? Promise.resolve()).then(
      () => 'stopped' as const,
      (error: unknown) => (logger?.error({ err: error }, 'shutdown failed'), 'failed' as const),
    );
    const outcome = await Promise.race([stopped, timedOut]);
    if (outcome === 'timeout') logger?.error({ timeoutMs }, 'shutdown timed out; exiting anyway');
    if (outcome === 'stopped' && code === 0) logger?.info('stopped');
    process.exit(outcome === 'stopped' ? code : 1);
  };
  const giveUp = (error: unknown, happened?: string) => {
    process.stderr.write(`${describeFailure(name, error, happened)}\n`);
    return stopThenExit(1);
  };
  try {
    const config = loadConfig();
    logger = await createLogger({ name: logName, ...config.app.log });
    parts = build(config, logger);
    parts.service.onFailure?.((error) => void giveUp(error, 'stopped'));
    await parts.service.start();
  } catch (error) {
    return giveUp(error);
  }
  let stopping = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // One Ctrl-C reaches the whole process group and is forwarded by a runner (npm run dev) too: one press, one line.
    if (stopping && Date.now() - stopping < 500) return;
    if (stopping) return logger?.info({ signal }, 'already shutting down; waiting for running work to finish');
    stopping = Date.now();
    logger?.info({ signal }, 'shutting down');
    void stopThenExit(0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
