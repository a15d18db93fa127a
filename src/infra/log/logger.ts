import { pino, type Logger, type DestinationStream, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  name: string;
  level: LevelWithSilent;
  /** `pretty` loads the dev dependency pino-pretty; production uses `json`. */
  format: 'pretty' | 'json';
}

async function destination(fd: 1 | 2, format: LoggerOptions['format']): Promise<DestinationStream> {
  if (format === 'json') return pino.destination({ fd, sync: true });
  const { default: pretty } = await import('pino-pretty');
  return pretty({
    destination: fd,
    sync: true,
    colorize: process.stdout.isTTY,
    ignore: 'pid,hostname',
    singleLine: true,
  });
}

/**
 * A pino logger that writes info and below to stdout, warn and above to stderr,
 * so operators can alert on stderr alone (the contract puts failures there).
 * @example const logger = await createLogger({ name: 'api', level: 'info', format: 'json' });
 */
export async function createLogger(options: LoggerOptions): Promise<Logger> {
  const streams = pino.multistream(
    [
      { level: 'trace', stream: await destination(1, options.format) },
      { level: 'warn', stream: await destination(2, options.format) },
    ],
    { dedupe: true },
  );
  return pino({ name: options.name, level: options.level }, streams);
}

/** A logger that drops everything: for tests that do not look at logs. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
