import { ConfigError } from '../config/config-error.js';
import { ListenError } from '../http/serve.js';

/**
 * A failure in words for stderr: a configuration or listen error as one plain
 * line (what to fix), anything else with its stack.
 * @example describeStartupFailure('worker', error) // 'worker could not start: …'
 */
export function describeStartupFailure(what: string, error: unknown, happened = 'could not start'): string {
  if (error instanceof ConfigError) return `${what} ${happened}: invalid configuration: ${error.message}`;
  if (error instanceof ListenError) return `${what} ${happened}: ${error.message}`;
  return `${what} ${happened}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}
