import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { DEFAULT_CONFIG_DIR } from '../../../src/infra/config/load-config.js';

/** A dotted key of config/test/config.yaml and its new value, e.g. `['api.rate_limit.enabled', false]`. */
export type ConfigSetting = readonly [key: string, value: unknown];

export interface ConfigDir {
  /** Pass as CONFIG_DIR. */
  readonly dir: string;
  remove(): void;
}

/**
 * A copy of `config/` whose test `config.yaml` has `settings` applied, for the
 * keys no environment variable overrides (the rate limit's `enabled`). The
 * processes still validate it as they would the shipped file.
 * @example const config = writeConfigDir([['api.rate_limit.enabled', false]]); env.CONFIG_DIR = config.dir;
 */
export function writeConfigDir(settings: readonly ConfigSetting[]): ConfigDir {
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-config-'));
  cpSync(DEFAULT_CONFIG_DIR, dir, { recursive: true });
  const file = path.join(dir, 'test', 'config.yaml');
  const document = parseDocument(readFileSync(file, 'utf8'));
  for (const [key, value] of settings) document.setIn(key.split('.'), value);
  writeFileSync(file, document.toString());
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The settings every load scenario uses: no rate limit (one client IP sends everything). */
export const NO_RATE_LIMIT: ConfigSetting = ['api.rate_limit.enabled', false];
