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
