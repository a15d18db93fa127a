import { ConfigError } from '../config/config-error.js';
import { ListenError } from '../http/serve.js';

/**
 * A start-up failure in words for stderr: a configuration or listen error as
 * one plain line (what to fix), anything else with its stack.
 */
export function describeStartupFailure(what: string, error: unknown): string {
  if (error instanceof ConfigError) return `${what} could not start: invalid configuration: ${error.message}`;
  if (error instanceof ListenError) return `${what} could not start: ${error.message}`;
  return `${what} could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}
