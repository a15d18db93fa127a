import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import dotenvFlow from 'dotenv-flow';
import * as v from 'valibot';
import { parseDocument } from 'yaml';
import { ConfigError } from './config-error.js';
import { applyEnvOverrides, type OverrideFile } from './env-overrides.js';
import { APP_ENVS, AppConfigSchema, CacheServerConfigSchema, type AppEnv, type Config } from './schema.js';

/** `config/` beside `src/` or `dist/`: the same three levels up from this file in both. */
export const DEFAULT_CONFIG_DIR = fileURLToPath(new URL('../../../config', import.meta.url));

export interface LoadConfigOptions {
  /** Environment variables to read; the process's own by default. */
  environment?: NodeJS.ProcessEnv;
  /** Folder holding `{env}/config.yaml` and `{env}/cacheserver.yaml`. */
  dir?: string;
  /** Load `.env`, `.env.{APP_ENV}`, `.env*.local` into `environment` first (dotenv-flow). */
  dotenv?: boolean;
}

function readYaml(file: string, displayName: string): Record<string, unknown> {
  if (!existsSync(file)) {
    const hint = existsSync(`${file}.example`) ? ` (copy ${path.basename(file)}.example and adjust it)` : '';
    throw new ConfigError(displayName, '', `file not found${hint}`);
  }
  const document = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
  const [error] = document.errors;
  if (error) throw new ConfigError(displayName, '', `invalid YAML: ${error.message}`);
  const value: unknown = document.toJS();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(displayName, '', 'must be a YAML mapping');
  }
  return value as Record<string, unknown>;
}

function validate<TSchema extends v.GenericSchema>(
  schema: TSchema,
  file: OverrideFile,
  dir: string,
  appEnv: AppEnv,
  environment: NodeJS.ProcessEnv,
): v.InferOutput<TSchema> {
  const displayName = path.join(path.relative(process.cwd(), dir) || '.', appEnv, `${file}.yaml`);
  const document = readYaml(path.join(dir, appEnv, `${file}.yaml`), displayName);
  const fromEnv = applyEnvOverrides(file, document, environment);
  const result = v.safeParse(schema, document);
  if (result.success) return result.output;
  const [issue] = result.issues;
  const key = v.getDotPath(issue) ?? '';
  // The variable that set this key, or one below it (REDIS_JOBQUEUE_SENTINEL_ADDRS for redis.jobqueue.sentinel).
  const variable = [...fromEnv].find(([dotted]) => key.startsWith(dotted) || dotted.startsWith(`${key}.`))?.[1];
  const reason = issue.message + (variable ? ` (the value comes from ${variable})` : '');
  throw new ConfigError(displayName, key || '(top level)', reason);
}

/**
 * Reads, overrides from the environment and validates both configuration files.
 * Throws {@link ConfigError} naming the file, the key and the reason.
 * @example const config = loadConfig(); // APP_ENV=develop -> config/develop/*.yaml
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const environment = options.environment ?? process.env;
  const rawEnv = environment.APP_ENV?.trim() || 'develop';
  if (!(APP_ENVS as readonly string[]).includes(rawEnv)) {
    throw new ConfigError('APP_ENV', '', `"${rawEnv}" is not one of ${APP_ENVS.join(', ')}`);
  }
  const appEnv = rawEnv as AppEnv;
  if (options.dotenv ?? true) {
    dotenvFlow.config({ node_env: appEnv, silent: true });
  }
  const dir = options.dir ?? environment.CONFIG_DIR ?? DEFAULT_CONFIG_DIR;
  const config: Config = {
    env: appEnv,
    app: validate(AppConfigSchema, 'config', dir, appEnv, environment),
    cache: validate(CacheServerConfigSchema, 'cacheserver', dir, appEnv, environment),
    secrets: { apiSecretKey: environment.API_SECRET_KEY?.trim() || undefined, admin: adminCredentials(environment) },
  };
  checkRateLimitStorage(config, dir);
  return config;
}

/** ADMIN_USER and ADMIN_PASSWORD together, or neither: one alone is a mistake to stop on. */
function adminCredentials(environment: NodeJS.ProcessEnv): Config['secrets']['admin'] {
  const username = environment.ADMIN_USER?.trim() ?? '';
  const password = environment.ADMIN_PASSWORD ?? '';
  if (username === '' && password === '') return undefined;
  if (username === '' || password === '')
    throw new ConfigError(
      username ? 'ADMIN_PASSWORD' : 'ADMIN_USER',
      '',
      'is not set: set ADMIN_USER and ADMIN_PASSWORD together (or neither, which turns the dashboard and /metrics off)',
    );
  if (password.length < 12) throw new ConfigError('ADMIN_PASSWORD', '', 'must be at least 12 characters');
  return { username, password };
}

/** storage_type "redis" without cluster nodes cannot work; say so at start-up, not at the first request. */
function checkRateLimitStorage(config: Config, dir: string): void {
  const { enabled, storage_type: storageType } = config.app.api.rate_limit;
  if (enabled && storageType === 'redis' && config.cache.redis.default.cluster.addrs.length === 0) {
    throw new ConfigError(
      path.join(path.relative(process.cwd(), dir) || '.', config.env, 'cacheserver.yaml'),
      'redis.default.cluster.addrs',
      'must list at least one node when api.rate_limit.storage_type is "redis" (config.yaml); use "auto" or "memory" to run without a cluster',
    );
  }
}
