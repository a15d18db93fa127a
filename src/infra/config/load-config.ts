import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import dotenvFlow from 'dotenv-flow';
import * as v from 'valibot';
import { parseDocument } from 'yaml';

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

/** A configuration file or variable that cannot be used; the process must not start. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly file: string,
    readonly key: string,
    readonly reason: string,
  ) {
    super(`${file}: ${key ? `${key}: ` : ''}${reason}`);
  }
}

/**
 * The environment variables that may override a YAML value, for containers and
 * tests. Kept small on purpose: everything else lives in the YAML files.
 */
export const ENV_OVERRIDES = [
  { variable: 'SERVER_PORT', file: 'config', path: ['server', 'port'], kind: 'number' },
  { variable: 'SERVER_HOST', file: 'config', path: ['server', 'host'], kind: 'string' },
  { variable: 'JOBQUEUE_PORT', file: 'config', path: ['jobqueue', 'port'], kind: 'number' },
  { variable: 'JOBQUEUE_HOST', file: 'config', path: ['jobqueue', 'host'], kind: 'string' },
  { variable: 'JOBQUEUE_QUEUE_NAME', file: 'config', path: ['jobqueue', 'queue_name'], kind: 'string' },
  { variable: 'JOBQUEUE_PREFIX', file: 'config', path: ['jobqueue', 'prefix'], kind: 'string' },
  { variable: 'JOBQUEUE_LOCK_DURATION_MS', file: 'config', path: ['jobqueue', 'lock_duration_ms'], kind: 'number' },
  {
    variable: 'JOBQUEUE_STALLED_INTERVAL_MS',
    file: 'config',
    path: ['jobqueue', 'stalled_interval_ms'],
    kind: 'number',
  },
  { variable: 'API_CORS_ALLOWED_ORIGINS', file: 'config', path: ['api', 'cors', 'allowed_origins'], kind: 'list' },
  { variable: 'RATE_LIMIT_STORAGE_TYPE', file: 'config', path: ['api', 'rate_limit', 'storage_type'], kind: 'string' },
  { variable: 'ADMIN_HOST', file: 'config', path: ['admin', 'host'], kind: 'string' },
  { variable: 'ADMIN_PORT', file: 'config', path: ['admin', 'port'], kind: 'number' },
  { variable: 'LOG_LEVEL', file: 'config', path: ['log', 'level'], kind: 'string' },
  { variable: 'LOG_FORMAT', file: 'config', path: ['log', 'format'], kind: 'string' },
  {
    variable: 'REDIS_JOBQUEUE_ADDR',
    file: 'cacheserver',
    path: ['redis', 'jobqueue', 'addr'],
    kind: 'string',
    replaces: ['redis', 'jobqueue', 'sentinel'],
  },
  {
    variable: 'REDIS_JOBQUEUE_SENTINEL_ADDRS',
    file: 'cacheserver',
    path: ['redis', 'jobqueue', 'sentinel', 'addrs'],
    kind: 'list',
    replaces: ['redis', 'jobqueue', 'addr'],
  },
  {
    variable: 'REDIS_JOBQUEUE_SENTINEL_NAME',
    file: 'cacheserver',
    path: ['redis', 'jobqueue', 'sentinel', 'name'],
    kind: 'string',
    replaces: ['redis', 'jobqueue', 'addr'],
  },
  {
    variable: 'REDIS_JOBQUEUE_SENTINEL_USERNAME',
    file: 'cacheserver',
    path: ['redis', 'jobqueue', 'sentinel', 'username'],
    kind: 'string',
  },
  {
    variable: 'REDIS_JOBQUEUE_SENTINEL_PASSWORD',
    file: 'cacheserver',
    path: ['redis', 'jobqueue', 'sentinel', 'password'],
    kind: 'string',
  },
  {
    variable: 'REDIS_JOBQUEUE_ACK_REPLICAS',
    file: 'cacheserver',
    path: ['redis', 'jobqueue', 'ack_replicas'],
    kind: 'number',
  },
  {
    variable: 'REDIS_JOBQUEUE_ACK_TIMEOUT_MS',
    file: 'cacheserver',
    path: ['redis', 'jobqueue', 'ack_timeout_ms'],
    kind: 'number',
  },
  { variable: 'REDIS_JOBQUEUE_USERNAME', file: 'cacheserver', path: ['redis', 'jobqueue', 'username'], kind: 'string' },
  { variable: 'REDIS_JOBQUEUE_PASSWORD', file: 'cacheserver', path: ['redis', 'jobqueue', 'password'], kind: 'string' },
  {
    variable: 'REDIS_DEFAULT_CLUSTER_ADDRS',
    file: 'cacheserver',
    path: ['redis', 'default', 'cluster', 'addrs'],
    kind: 'list',
  },
  {
    variable: 'REDIS_DEFAULT_CLUSTER_PASSWORD',
    file: 'cacheserver',
    path: ['redis', 'default', 'cluster', 'password'],
    kind: 'string',
  },
] as const satisfies readonly EnvOverride[];

interface EnvOverride {
  variable: string;
  file: 'config' | 'cacheserver';
  path: readonly string[];
  kind: 'number' | 'string' | 'list';
  /**
   * The YAML's alternative to this setting, removed when the variable is set
   * (REDIS_JOBQUEUE_ADDR in a container overrides a `sentinel:` in the file).
   * Kept when a variable set it too: then validation says "not both".
   */
  replaces?: readonly string[];
}

export type OverrideFile = (typeof ENV_OVERRIDES)[number]['file'];

/** Numbers stay strings when they do not look like one, so validation names the bad value. */
function convert(raw: string, kind: 'number' | 'string' | 'list'): unknown {
  if (kind === 'number') return /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (kind === 'list')
    return raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  return raw;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (typeof child !== 'object' || child === null || Array.isArray(child)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function deletePath(target: Record<string, unknown>, path: readonly string[]): void {
  let node: unknown = target;
  for (const key of path.slice(0, -1)) {
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  }
  if (typeof node === 'object' && node !== null)
    delete (node as Record<string, unknown>)[path[path.length - 1] as string];
}

const startsWith = (path: readonly string[], prefix: readonly string[]) =>
  prefix.every((key, index) => path[index] === key);

/**
 * Writes the set variables into the raw (not yet validated) YAML document.
 * Returns which dotted keys came from which variable, to name them in errors.
 */
export function applyEnvOverrides(
  file: OverrideFile,
  document: Record<string, unknown>,
  environment: Readonly<Record<string, string | undefined>>,
): Map<string, string> {
  const applied = new Map<string, string>();
  const set: EnvOverride[] = ENV_OVERRIDES.filter((override) => {
    const raw = environment[override.variable];
    return override.file === file && raw !== undefined && raw !== '';
  });
  for (const override of set) {
    const replaced = override.replaces;
    if (replaced && !set.some((other) => startsWith(other.path, replaced))) deletePath(document, replaced);
  }
  for (const override of set) {
    setPath(document, override.path, convert(environment[override.variable] ?? '', override.kind));
    applied.set(override.path.join('.'), override.variable);
  }
  return applied;
}
