import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, DEFAULT_CONFIG_DIR, loadConfig } from '../../src/infra/config/load-config.js';

/** A copy of config/ with `env`'s files replaced by these texts. */
export function configDir(files: { config?: string; cacheserver?: string }, env = 'develop'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-config-'));
  cpSync(DEFAULT_CONFIG_DIR, dir, { recursive: true });
  mkdirSync(path.join(dir, env), { recursive: true });
  if (files.config !== undefined) writeFileSync(path.join(dir, env, 'config.yaml'), files.config);
  if (files.cacheserver !== undefined) writeFileSync(path.join(dir, env, 'cacheserver.yaml'), files.cacheserver);
  return dir;
}

/** loadConfig with only `environment` (no .env files), from `dir` or config/. */
export function load(environment: NodeJS.ProcessEnv, dir?: string) {
  return loadConfig({ environment, dotenv: false, ...(dir ? { dir } : {}) });
}

/** The ConfigError `run` throws. */
export function failure(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
