/** What an optional extra plugs into; an extra reaches the core only through these hooks (see ./index.ts). */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import * as v from 'valibot';
import type { Config } from '../infra/config/schema.js';
import type { CounterStore } from '../infra/rate-limit/rate-limit.js';
import type { LazyQueue, QueueCallContext } from '../infra/queue/bullmq-queue.js';
import type { JobEvents } from '../infra/queue/bullmq-worker.js';
import type { AnyJobDefinition } from '../jobs/job.js';
import type { RegistrationListener } from '../jobs/register-job.js';
import type { RequestRegistrar } from '../routes/registration.js';

export interface SettingsInput<Section = unknown> {
  /** The section it owns (`owns`), after environment overrides, through its schema; undefined without `owns`. */
  section: Section;
  file: string;
  environment: Readonly<Record<string, string | undefined>>;
  config: Omit<Config, 'extras'>;
}

export interface AppExtension {
  middleware?: MiddlewareHandler;
  onRegistration?: RegistrationListener;
  registration?: RequestRegistrar;
  /** Turns an error it knows into an answer; the core's handler takes the rest. */
  errorAnswer?: (error: Error, c: Context) => Response | undefined;
  mount?: (app: Hono) => void;
}

export interface ApiExtension extends AppExtension {
  rateLimitStore?: { store: CounterStore; label: string };
  /** A queue of its own that registrations are written through, with a check after each write. */
  writes?: {
    queue: LazyQueue;
    afterWrite: (jobId: string) => Promise<void>;
    beforeReplay: (jobId: string) => Promise<void>;
  };
  start?: () => Promise<void>;
  stop?: () => Promise<void> | void;
}

interface HookContext<Settings> {
  config: Config;
  logger: Logger;
  settings: Settings;
}

export interface ApiContext<Settings> extends HookContext<Settings> {
  queue: QueueCallContext;
  /** Confirms a stored job before it is replayed (whatever `writes` says; a no-op without). */
  beforeReplay: (jobId: string) => Promise<void>;
  /** A new job-queue Redis client like the producer's (fail fast, watched, closed with the API). */
  connect: () => Redis;
}

export interface WorkerExtension {
  events?: JobEvents;
  mount?: (app: Hono) => void;
  stop?: () => Promise<void> | void;
}

export interface WorkerContext<Settings> extends HookContext<Settings> {
  definitions: readonly AnyJobDefinition[];
}

export interface Extra<Settings = unknown, Section = unknown> {
  /** The folder's name under src/extras/ and test/extras/, and its marker in config/ (`# extra: name`). */
  readonly name: string;
  /** Its config section (a top-level key of config.yaml, or under `redis:` in cacheserver.yaml) and schema. */
  readonly owns?: { file: 'config' | 'cacheserver'; key: string; schema: v.GenericSchema<unknown, Section> };
  /** Environment variables overriding its YAML keys: `ADMIN_PORT: ['admin.port', 'number']`. */
  readonly env?: Record<string, readonly [key: string, kind?: 'number' | 'string' | 'list']>;
  /** Its settings from its section and the environment (absent: none); throws ConfigError naming the key. */
  settings?(input: SettingsInput<Section>): Settings;
  api?(context: ApiContext<Settings>): ApiExtension | undefined;
  worker?(context: WorkerContext<Settings>): WorkerExtension | undefined;
}

/** Keeps an extra's settings typed inside it (its hooks are methods, so the list holds any `Extra<S>`). */
export function defineExtra<Settings, Section = unknown>(extra: Extra<Settings, Section>): Extra {
  return extra;
}

/** The extra's settings from a loaded config; from nothing (off) for a config built by hand. */
export function settingsOf(extra: Extra, config: Config): unknown {
  if (config.extras && extra.name in config.extras) return config.extras[extra.name];
  const section = extra.owns && v.parse(extra.owns.schema, undefined);
  return extra.settings?.({ section, file: extra.name, environment: {}, config });
}
