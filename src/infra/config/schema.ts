import * as v from 'valibot';

/** A `host:port` address, as written in cacheserver.yaml (`[::1]:6379` for IPv6). */
export interface HostPort {
  host: string;
  port: number;
}

const ADDR_PATTERN = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/;

/** Parses `host:port`, or undefined. @example parseAddr('localhost:6379') // { host: 'localhost', port: 6379 } */
export function parseAddr(text: string): HostPort | undefined {
  const match = ADDR_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: match[1] ?? match[2] ?? '', port };
}

/** The inverse of {@link parseAddr}, IPv6 in brackets. @example formatAddr({ host: '::1', port: 6379 }) // '[::1]:6379' */
export function formatAddr({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** valibot schema: a `host:port` string, transformed into a {@link HostPort}. */
export const AddrSchema = v.pipe(
  v.string(),
  v.check((text) => parseAddr(text) !== undefined, 'must be "host:port" with a port from 1 to 65535'),
  v.transform((text) => parseAddr(text) as HostPort),
);

export const Port = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535));
export const NonNegativeInt = v.pipe(v.number(), v.integer(), v.minValue(0));
export const PositiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));

/** A queue name or key prefix: letters, digits, "_", "." or "-", or a hash tag (`{dm-jobqueue}`); no ":". */
const KeyPart = v.pipe(
  v.string(),
  v.regex(
    /^(?:[\w.-]{1,100}|\{[\w.-]{1,98}\})$/,
    'letters, digits, "_", "." or "-" only, optionally in braces as a hash tag ("{dm-jobqueue}")',
  ),
);

const RetentionSchema = v.strictObject({
  count: NonNegativeInt,
  age_seconds: NonNegativeInt,
});

const Origin = v.pipe(
  v.string(),
  v.regex(
    /^https?:\/\/[^/\s]+$/,
    'must be an origin: scheme, host and optional port, no path (e.g. "http://localhost:3000")',
  ),
);

const METHODS = ['GET', 'POST', 'OPTIONS'];
const RATE_LIMIT_HEADERS = ['Limit', 'Remaining', 'Reset'].flatMap((name) => [
  `X-RateLimit-${name}`,
  `X-RateLimit-Hour-${name}`,
]);
/** The response headers a browser client may read by default. */
const EXPOSED_HEADERS = ['Location', 'Retry-After', 'Idempotent-Replayed', 'X-Request-Id', ...RATE_LIMIT_HEADERS];

/** Cross-origin browser clients of `/api/*` (Hono's cors middleware). */
const CorsSchema = v.strictObject({
  allowed_origins: v.array(Origin),
  allowed_methods: v.optional(v.array(v.pipe(v.string(), v.regex(/^[A-Z]+$/, 'an HTTP method in capitals'))), METHODS),
  allowed_headers: v.optional(v.array(v.string()), ['Content-Type', 'Authorization', 'Idempotency-Key']),
  exposed_headers: v.optional(v.array(v.string()), EXPOSED_HEADERS),
  allow_credentials: v.optional(v.boolean(), false),
  max_age_seconds: v.optional(v.pipe(NonNegativeInt, v.maxValue(86_400)), 600),
});

/** `v1`, `2`, `1.2`: one spelling per version (no spaces, no leading zeros), so `01` cannot slip past `1`. */
export const KEY_VERSION = /^[A-Za-z]*(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*))*$/;

/** Bearer API keys on `/api/*`; the signing secret comes from API_SECRET_KEY, never from this file. */
const AuthSchema = v.strictObject({
  // The original Go template issues its keys as "go-webdb-template"; set that to accept them.
  issuer: v.optional(v.pipe(v.string(), v.nonEmpty()), 'dm-jobqueue'),
  key_version: v.optional(v.pipe(v.string(), v.regex(KEY_VERSION, 'must be like 1, v2 or 1.2')), '1'),
  // Keys of these versions are refused (revoke every key of a version at once); compared exactly.
  invalid_versions: v.optional(v.array(v.string()), []),
});

/** `config/{env}/config.yaml`. Strict objects: a misspelt key fails start-up instead of being ignored. */
export const AppConfigSchema = v.strictObject({
  server: v.strictObject({
    host: v.optional(v.pipe(v.string(), v.nonEmpty()), '127.0.0.1'),
    port: Port,
    body_limit_bytes: v.optional(v.pipe(PositiveInt, v.maxValue(1_048_576)), 16_384),
    // Slow clients (slowloris): headers must arrive within this, the whole request within the next.
    headers_timeout_ms: v.optional(v.pipe(PositiveInt, v.maxValue(120_000)), 10_000),
    request_timeout_ms: v.optional(v.pipe(PositiveInt, v.maxValue(600_000)), 30_000),
  }),
  jobqueue: v.strictObject({
    host: v.optional(v.pipe(v.string(), v.nonEmpty()), '127.0.0.1'),
    port: Port,
    queue_name: v.optional(KeyPart, 'dm-jobqueue'),
    // BullMQ's key prefix; a hash tag ("{dm-jobqueue}") keeps all the queue's keys in one Redis Cluster slot.
    prefix: v.optional(KeyPart, 'bull'),
    concurrency: v.optional(v.pipe(PositiveInt, v.maxValue(1000)), 10),
    shutdown_timeout_seconds: v.optional(PositiveInt, 30),
    // BullMQ's defaults. A dead worker's jobs run again after about lock + stalled interval;
    // shorter values recover sooner but may declare a live, busy worker stalled (a duplicate run).
    lock_duration_ms: v.optional(v.pipe(PositiveInt, v.minValue(1000)), 30_000),
    stalled_interval_ms: v.optional(v.pipe(PositiveInt, v.minValue(500)), 30_000),
    keep_completed: v.optional(RetentionSchema, { count: 1000, age_seconds: 86_400 }),
    keep_failed: v.optional(RetentionSchema, { count: 5000, age_seconds: 604_800 }),
  }),
  api: v.strictObject({
    cors: v.optional(CorsSchema, { allowed_origins: [] }),
    auth: v.optional(AuthSchema, {}),
    // false: socket address only; true: one reverse proxy; N: N proxies in front; the header the nearest one writes.
    trust_proxy: v.optional(
      v.union([v.boolean(), v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10))]),
      false,
    ),
    client_ip_header: v.optional(v.picklist(['x-forwarded-for', 'x-real-ip']), 'x-forwarded-for'),
    rate_limit: v.strictObject({
      enabled: v.boolean(),
      requests_per_minute: PositiveInt,
      requests_per_hour: NonNegativeInt,
      storage_type: v.picklist(['auto', 'redis', 'memory']),
    }),
  }),
  // The queue dashboard's own listener; on only when ADMIN_USER and ADMIN_PASSWORD are set.
  log: v.optional(
    v.strictObject({
      level: v.optional(v.picklist(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']), 'info'),
      format: v.optional(v.picklist(['pretty', 'json']), 'json'),
    }),
    {},
  ),
});

const TlsSchema = v.union([
  v.boolean(),
  v.strictObject({
    ca_file: v.optional(v.string()),
    servername: v.optional(v.string()),
    reject_unauthorized: v.optional(v.boolean(), true),
  }),
]);

/** Connection options shared by the job-queue Redis and the cache cluster. */
export const ConnectionFields = {
  username: v.optional(v.string()),
  password: v.optional(v.string()),
  tls: v.optional(TlsSchema, false),
  connect_timeout_ms: v.optional(PositiveInt, 2000),
  command_timeout_ms: v.optional(PositiveInt, 1000),
  retry: v.optional(v.strictObject({ min_delay_ms: PositiveInt, max_delay_ms: PositiveInt }), {
    min_delay_ms: 100,
    max_delay_ms: 2000,
  }),
};

/**
 * Redis Sentinel in front of the job-queue Redis: one master with replicas,
 * still one Redis for the queue. The sentinels' own credentials and TLS
 * are separate from the master's (`redis.jobqueue.password`, `tls`).
 */
const SentinelSchema = v.strictObject({
  // The master group name, as in `sentinel monitor <name> …`.
  name: v.pipe(
    v.string(),
    v.regex(
      /^[\w.-]{1,100}$/,
      'must be the master group name of "sentinel monitor" (letters, digits, "_", "." or "-")',
    ),
  ),
  addrs: v.pipe(
    v.array(AddrSchema),
    v.minLength(1, 'must list at least one sentinel "host:port" (three or more in production)'),
  ),
  username: v.optional(v.string()),
  password: v.optional(v.string()),
  tls: v.optional(TlsSchema, false),
});

/** `redis.jobqueue`: exactly one of `addr` (one server) or `sentinel`. */
const JobqueueRedisSchema = v.pipe(
  v.strictObject({
    addr: v.optional(AddrSchema),
    sentinel: v.optional(SentinelSchema),
    db: v.optional(v.pipe(NonNegativeInt, v.maxValue(15)), 0),
    // 0 = off. N: a registration answers 201 only once WAIT confirms N replicas hold the job.
    ...ConnectionFields,
  }),
  v.forward(
    v.partialCheck(
      [['addr'], ['sentinel']],
      (input) => input.addr !== undefined || input.sentinel !== undefined,
      'is required: set addr ("host:port") or sentinel ({ name, addrs })',
    ),
    ['addr'],
  ),
  v.forward(
    v.partialCheck(
      [['addr'], ['sentinel']],
      (input) => input.addr === undefined || input.sentinel === undefined,
      'cannot be set together with addr: set exactly one of addr or sentinel',
    ),
    ['sentinel'],
  ),
);

/** `config/{env}/cacheserver.yaml`: the one job-queue Redis, and the rate limiter's cluster. */
export const CacheServerConfigSchema = v.strictObject({
  redis: v.strictObject({
    jobqueue: JobqueueRedisSchema,
  }),
});

export type AppConfig = v.InferOutput<typeof AppConfigSchema>;
export type CacheServerConfig = v.InferOutput<typeof CacheServerConfigSchema>;
export type RedisConnectionConfig = CacheServerConfig['redis']['jobqueue'];
export type RedisSentinelConfig = NonNullable<RedisConnectionConfig['sentinel']>;

/** A basic-auth login of an operator's page (the dashboard, `/metrics`). */
export interface BasicCredentials {
  username: string;
  password: string;
}

/** Secrets, from the environment (or a git-ignored `.env*.local`), never from the YAML files. */
export interface Secrets {
  /** `API_SECRET_KEY`: signs and verifies the API keys (HS256). */
  apiSecretKey: string | undefined;
}

/** Everything a process needs, after validation. */
export interface Config {
  env: AppEnv;
  app: AppConfig;
  cache: CacheServerConfig;
  secrets: Secrets;
  /** Each optional extra's settings by its name (src/extras/); absent in a config made by hand. */
  extras?: Record<string, unknown>;
}

export const APP_ENVS = ['develop', 'staging', 'production', 'test'] as const;
export type AppEnv = (typeof APP_ENVS)[number];

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
 * An extra's section of a config file through its schema; a refusal names the file and the key.
 * @example validateSection(AdminSchema, section, 'config/develop/config.yaml: admin')
 */
export function validateSection<TSchema extends v.GenericSchema>(
  schema: TSchema,
  section: unknown,
  where: string,
): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, section);
  if (result.success) return result.output;
  const [issue] = result.issues;
  const [file = where, key = ''] = where.split(': ');
  const path = v.getDotPath(issue);
  throw new ConfigError(file, [key, path].filter(Boolean).join('.'), issue.message);
}

/** `<PREFIX>_USER` and `<PREFIX>_PASSWORD` together, or neither: one alone is a mistake to stop on. */
export function basicCredentials(
  environment: Readonly<Record<string, string | undefined>>,
  prefix: string,
  what: string,
): BasicCredentials | undefined {
  const [userVariable, passwordVariable] = [`${prefix}_USER`, `${prefix}_PASSWORD`];
  const username = environment[userVariable]?.trim() ?? '';
  const password = environment[passwordVariable] ?? '';
  if (username === '' && password === '') return undefined;
  if (username === '' || password === '')
    throw new ConfigError(
      username ? passwordVariable : userVariable,
      '',
      `is not set: set ${userVariable} and ${passwordVariable} together (or neither, which turns ${what} off)`,
    );
  if (password.length < 12) throw new ConfigError(passwordVariable, '', 'must be at least 12 characters');
  return { username, password };
}
