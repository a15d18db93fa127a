import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import dotenvFlow from 'dotenv-flow';
import type * as v from 'valibot';
import { parseDocument } from 'yaml';

import type { Extra } from '../../extras/extra.js';
import * as listedExtras from '../../extras/index.js';
import {
  APP_ENVS,
  AppConfigSchema,
  CacheServerConfigSchema,
  ConfigError,
  validateSection,
  type AppEnv,
  type Config,
} from './schema.js';

export { ConfigError } from './schema.js';

export const EXTRAS: readonly Extra[] = Object.values(listedExtras);

/** `config/` beside `src/` or `dist/`: the same three levels up from this file in both. */
export const DEFAULT_CONFIG_DIR = fileURLToPath(new URL('../../../config', import.meta.url));

export interface LoadConfigOptions {
  environment?: NodeJS.ProcessEnv;
  dir?: string;
  dotenv?: boolean;
}

const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function readYaml(file: string, displayName: string): Record<string, unknown> {
  if (!existsSync(file)) {
    const hint = existsSync(`${file}.example`) ? ` (copy ${path.basename(file)}.example and adjust it)` : '';
    throw new ConfigError(displayName, '', `file not found${hint}`);
  }
  const document = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
  const [error] = document.errors;
  if (error) throw new ConfigError(displayName, '', `invalid YAML: ${error.message}`);
  const value: unknown = document.toJS();
  if (!isMapping(value)) throw new ConfigError(displayName, '', 'must be a YAML mapping');
  return value;
}

function readFile(file: OverrideFile, dir: string, appEnv: AppEnv, environment: NodeJS.ProcessEnv) {
  const displayName = path.join(path.relative(process.cwd(), dir) || '.', appEnv, `${file}.yaml`);
  const document = readYaml(path.join(dir, appEnv, `${file}.yaml`), displayName);
  const fromEnv = applyEnvOverrides(file, document, environment);
  const sections = new Map<string, unknown>();
  // cacheserver.yaml's sections are connections under `redis:`.
  const parent = file === 'cacheserver' ? document.redis : document;
  for (const { name, owns } of EXTRAS) {
    if (owns?.file !== file || !isMapping(parent)) continue;
    sections.set(name, parent[owns.key]);
    delete parent[owns.key];
  }
  return { displayName, document, sections, fromEnv };
}

/** A ConfigError names the variable that set its key or one below it (REDIS_JOBQUEUE_SENTINEL_ADDRS: the sentinel). */
function withVariable<T>(fromEnv: Map<string, string>, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const { key } = error;
    const variable = [...fromEnv].find(([dotted]) => key.startsWith(dotted) || dotted.startsWith(`${key}.`))?.[1];
    throw variable ? new ConfigError(error.file, key, `${error.reason} (the value comes from ${variable})`) : error;
  }
}

const validate = <T extends v.GenericSchema>(
  schema: T,
  { document, displayName, fromEnv }: ReturnType<typeof readFile>,
) => withVariable(fromEnv, () => validateSection(schema, document, displayName));

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const environment = options.environment ?? process.env;
  const appEnv = (environment.APP_ENV?.trim() || 'develop') as AppEnv;
  if (!APP_ENVS.includes(appEnv))
    throw new ConfigError('APP_ENV', '', `"${appEnv}" is not one of ${APP_ENVS.join(', ')}`);
  if (options.dotenv ?? true) dotenvFlow.config({ node_env: appEnv, silent: true });
  const dir = options.dir ?? environment.CONFIG_DIR ?? DEFAULT_CONFIG_DIR;
  const read = {
    config: readFile('config', dir, appEnv, environment),
    cacheserver: readFile('cacheserver', dir, appEnv, environment),
  };
  const config: Config = {
    env: appEnv,
    app: validate(AppConfigSchema, read.config),
    cache: validate(CacheServerConfigSchema, read.cacheserver),
    secrets: { apiSecretKey: environment.API_SECRET_KEY?.trim() || undefined },
  };
  const extras: Record<string, unknown> = {};
  for (const extra of EXTRAS) {
    const { displayName, sections, fromEnv } = read[extra.owns?.file ?? 'config'];
    const prefix = extra.owns?.file === 'cacheserver' ? 'redis.' : '';
    const file = `${displayName}: ${prefix}${extra.owns?.key ?? ''}`;
    extras[extra.name] = withVariable(fromEnv, () => {
      const section = extra.owns && validateSection(extra.owns.schema, sections.get(extra.name), file);
      return extra.settings?.({ section, file, environment, config });
    });
  }
  return { ...config, extras };
}

/** Kept small on purpose; `replaces` is dropped from the file unless a variable sets it too (then "not both"). */
const OVERRIDES = {
  SERVER_PORT: ['server.port', 'number'],
  SERVER_HOST: ['server.host'],
  JOBQUEUE_PORT: ['jobqueue.port', 'number'],
  JOBQUEUE_HOST: ['jobqueue.host'],
  JOBQUEUE_QUEUE_NAME: ['jobqueue.queue_name'],
  JOBQUEUE_PREFIX: ['jobqueue.prefix'],
  JOBQUEUE_LOCK_DURATION_MS: ['jobqueue.lock_duration_ms', 'number'],
  JOBQUEUE_STALLED_INTERVAL_MS: ['jobqueue.stalled_interval_ms', 'number'],
  API_CORS_ALLOWED_ORIGINS: ['api.cors.allowed_origins', 'list'],
  RATE_LIMIT_STORAGE_TYPE: ['api.rate_limit.storage_type'],
  LOG_LEVEL: ['log.level'],
  LOG_FORMAT: ['log.format'],
  REDIS_JOBQUEUE_ADDR: ['redis.jobqueue.addr', 'string', 'redis.jobqueue.sentinel'],
  REDIS_JOBQUEUE_SENTINEL_ADDRS: ['redis.jobqueue.sentinel.addrs', 'list', 'redis.jobqueue.addr'],
  REDIS_JOBQUEUE_SENTINEL_NAME: ['redis.jobqueue.sentinel.name', 'string', 'redis.jobqueue.addr'],
  REDIS_JOBQUEUE_SENTINEL_USERNAME: ['redis.jobqueue.sentinel.username'],
  REDIS_JOBQUEUE_SENTINEL_PASSWORD: ['redis.jobqueue.sentinel.password'],
  REDIS_JOBQUEUE_USERNAME: ['redis.jobqueue.username'],
  REDIS_JOBQUEUE_PASSWORD: ['redis.jobqueue.password'],
} satisfies Record<string, Override>;

type Override = readonly [key: string, kind?: 'number' | 'string' | 'list', replaces?: string];
type OverrideFile = 'config' | 'cacheserver';

export const ENV_OVERRIDES = [OVERRIDES, ...EXTRAS.map((extra) => extra.env ?? {})]
  .flatMap<[string, Override]>(Object.entries)
  .map(([variable, [key, kind = 'string', replaces]]) => ({
    variable,
    file: key.startsWith('redis.') ? 'cacheserver' : 'config',
    path: key.split('.'),
    kind,
    replaces: replaces?.split('.'),
  }));

/** Numbers stay strings when they do not look like one, so validation names the bad value. */
function convert(raw: string, kind: string): unknown {
  if (kind === 'number') return /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (kind === 'list') return raw.split(',').flatMap((item) => (item.trim() === '' ? [] : [item.trim()]));
  return raw;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (!isMapping(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1] ?? '';
  if (value === undefined) delete node[last];
  else node[last] = value;
}

function applyEnvOverrides(file: OverrideFile, document: Record<string, unknown>, environment: NodeJS.ProcessEnv) {
  const set = ENV_OVERRIDES.filter(({ variable, file: of }) => of === file && environment[variable]);
  const isSet = (path: readonly string[]) => set.some((other) => path.every((key, i) => other.path[i] === key));
  for (const { replaces } of set) if (replaces && !isSet(replaces)) setPath(document, replaces, undefined);
  for (const { variable, path, kind } of set) setPath(document, path, convert(environment[variable] ?? '', kind));
  return new Map(set.map(({ path, variable }) => [path.join('.'), variable]));
}
