import { ConfigError } from './config/config-error.js';

/**
 * Reports a start-up failure on stderr and sets exit code 1. A configuration
 * error is shown as one plain line (file: key: reason), anything else with its stack.
 */
export function reportStartupFailure(what: string, error: unknown): void {
  const text = error instanceof ConfigError ? `invalid configuration: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${what} could not start: ${text}\n`);
  process.exitCode = 1;
}
