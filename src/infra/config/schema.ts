import * as v from 'valibot';

export interface HostPort {
  host: string;
  port: number;
}

const ADDR_PATTERN = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/;

export function parseAddr(text: string): HostPort | undefined {
  const match = ADDR_PATTERN.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65_535) return undefined;
  return { host: match[1] ?? match[2] ?? '', port };
}

export function formatAddr({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export const AddrSchema = v.pipe(
  v.string(),
  v.check((text) => parseAddr(text) !== undefined, 'must be "host:port" with a port from 1 to 65535'),
  v.transform((text) => parseAddr(text) as HostPort),
);

export const Port = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535));
export const NonNegativeInt = v.pipe(v.number(), v.integer(), v.minValue(0));
export const PositiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));
const matching = (pattern: RegExp, message: string) => v.pipe(v.string(), v.regex(pattern, message));

const KeyPart = matching(
  /^(?:[\w.-]{1,100}|\{[\w.-]{1,98}\})$/,
  'letters, digits, "_", "." or "-" only, optionally in braces as a hash tag ("{dm-jobqueue}")',
);

const RetentionSchema = v.strictObject({ count: NonNegativeInt, age_seconds: NonNegativeInt });

const Origin = matching(
  /^https?:\/\/[^/\s]+$/,
  'must be an origin: scheme, host and optional port, no path (e.g. "http://localhost:3000")',
);

const METHODS = ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'];
const RATE_LIMIT_HEADERS = ['Limit', 'Remaining', 'Reset'].flatMap((name) => [
  `X-RateLimit-${name}`,
  `X-RateLimit-Hour-${name}`,
]);
const EXPOSED_HEADERS = ['Location', 'Retry-After', 'Idempotent-Replayed', 'X-Request-Id', ...RATE_LIMIT_HEADERS];

const CorsSchema = v.strictObject({
  allowed_origins: v.array(Origin),
  allowed_methods: v.optional(v.array(matching(/^[A-Z]+$/, 'an HTTP method in capitals')), METHODS),
  allowed_headers: v.optional(v.array(v.string()), ['Content-Type', 'Authorization', 'Idempotency-Key']),
  exposed_headers: v.optional(v.array(v.string()), EXPOSED_HEADERS),
  allow_credentials: v.optional(v.boolean(), false),
  max_age_seconds: v.optional(v.pipe(NonNegativeInt, v.maxValue(86_400)), 600),
});

/** `v1`, `2`, `1.2`: one spelling per version (no spaces, no leading zeros), so `01` cannot slip past `1`. */
export const KEY_VERSION = /^[A-Za-z]*(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*))*$/;

const AuthSchema = v.strictObject({
  // The original Go template issues its keys as "go-webdb-template"; set that to accept them.
  issuer: v.optional(v.pipe(v.string(), v.nonEmpty()), 'dm-jobqueue'),
  key_version: v.optional(matching(KEY_VERSION, 'must be like 1, v2 or 1.2'), '1'),
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
    // BullMQ's defaults; shorter ones rerun a dead worker's jobs sooner but may call a busy one stalled (duplicates).
    lock_duration_ms: v.optional(v.pipe(PositiveInt, v.minValue(1000)), 30_000),
    stalled_interval_ms: v.optional(v.pipe(PositiveInt, v.minValue(500)), 30_000),
    keep_completed: v.optional(RetentionSchema, { count: 1000, age_seconds: 86_400 }),
    keep_failed: v.optional(RetentionSchema, { count: 5000, age_seconds: 604_800 }),
  }),
  api: v.strictObject({
    cors: v.optional(CorsSchema, { allowed_origins: [] }),
    auth: v.optional(AuthSchema, {}),
    // false: socket address only; true: one reverse proxy; N: N proxies in front; the header the nearest one writes.
    trust_proxy: v.optional(v.union([v.boolean(), v.pipe(NonNegativeInt, v.maxValue(10))]), false),
    client_ip_header: v.optional(v.picklist(['x-forwarded-for', 'x-real-ip']), 'x-forwarded-for'),
    rate_limit: v.strictObject({
      enabled: v.boolean(),
      requests_per_minute: PositiveInt,
      requests_per_hour: NonNegativeInt,
      storage_type: v.picklist(['auto', 'redis', 'memory']),
    }),
  }),
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

const RetrySchema = v.strictObject({ min_delay_ms: PositiveInt, max_delay_ms: PositiveInt });

export const ConnectionFields = {
  username: v.optional(v.string()),
  password: v.optional(v.string()),
  tls: v.optional(TlsSchema, false),
  connect_timeout_ms: v.optional(PositiveInt, 2000),
  command_timeout_ms: v.optional(PositiveInt, 1000),
  retry: v.optional(RetrySchema, { min_delay_ms: 100, max_delay_ms: 2000 }),
};

/** Sentinel in front of the job-queue Redis (still one master); its credentials and TLS are not the master's. */
const SentinelSchema = v.strictObject({
  name: matching(
    /^[\w.-]{1,100}$/,
    'must be the master group name of "sentinel monitor" (letters, digits, "_", "." or "-")',
  ),
  addrs: v.pipe(
    v.array(AddrSchema),
    v.minLength(1, 'must list at least one sentinel "host:port" (three or more in production)'),
  ),
  username: v.optional(v.string()),
  password: v.optional(v.string()),
  tls: v.optional(TlsSchema, false),
});

const ADDR_OR_SENTINEL = [['addr'], ['sentinel']] as const;
const NEITHER = 'is required: set addr ("host:port") or sentinel ({ name, addrs })';
const BOTH = 'cannot be set together with addr: set exactly one of addr or sentinel';

const JobqueueRedisSchema = v.pipe(
  v.strictObject({
    addr: v.optional(AddrSchema),
    sentinel: v.optional(SentinelSchema),
    db: v.optional(v.pipe(NonNegativeInt, v.maxValue(15)), 0),
    ...ConnectionFields,
  }),
  v.forward(
    v.partialCheck(ADDR_OR_SENTINEL, (input) => input.addr !== undefined || input.sentinel !== undefined, NEITHER),
    ['addr'],
  ),
  v.forward(
    v.partialCheck(ADDR_OR_SENTINEL, (input) => input.addr === undefined || input.sentinel === undefined, BOTH),
    ['sentinel'],
  ),
);

export const CacheServerConfigSchema = v.strictObject({ redis: v.strictObject({ jobqueue: JobqueueRedisSchema }) });

export type AppConfig = v.InferOutput<typeof AppConfigSchema>;
export type CacheServerConfig = v.InferOutput<typeof CacheServerConfigSchema>;
export type RedisConnectionConfig = CacheServerConfig['redis']['jobqueue'];
export type RedisSentinelConfig = NonNullable<RedisConnectionConfig['sentinel']>;

export interface BasicCredentials {
  username: string;
  password: string;
}

export interface Config {
  env: AppEnv;
  app: AppConfig;
  cache: CacheServerConfig;
  /** From the environment (or a git-ignored `.env*.local`), never the YAML files; API_SECRET_KEY signs API keys. */
  secrets: { apiSecretKey: string | undefined };
  extras?: Record<string, unknown>;
}

export const APP_ENVS = ['develop', 'staging', 'production', 'test'] as const;
export type AppEnv = (typeof APP_ENVS)[number];

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

export function validateSection<T extends v.GenericSchema>(schema: T, value: unknown, where: string): v.InferOutput<T> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  const [issue] = result.issues;
  const [file = where, key = ''] = where.split(': ');
  throw new ConfigError(file, [key, v.getDotPath(issue)].filter(Boolean).join('.') || '(top level)', issue.message);
}

export function basicCredentials(
  environment: Readonly<Record<string, string | undefined>>,
  prefix: string,
  what: string,
): BasicCredentials | undefined {
  const [userVar, passwordVar] = [`${prefix}_USER`, `${prefix}_PASSWORD`];
  const username = environment[userVar]?.trim() ?? '';
  const password = environment[passwordVar] ?? '';
  if (!username && !password) return undefined;
  const together = `is not set: set ${userVar} and ${passwordVar} together (or neither, which turns ${what} off)`;
  if (!username || !password) throw new ConfigError(username ? passwordVar : userVar, '', together);
  if (password.length < 12) throw new ConfigError(passwordVar, '', 'must be at least 12 characters');
  return { username, password };
}
