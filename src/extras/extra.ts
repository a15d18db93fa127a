/**
 * What an optional extra plugs into. Each extra is a folder here (and one under test/extras/), listed
 * by one line in ./index.ts: deleting the folders, that line and the extra's marked sections of
 * config/ removes it. The core calls these hooks; an extra reaches the core only through them.
 */
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

/** What the loader hands an extra: its section of a config file, validated, and the environment. */
export interface SettingsInput<Section = unknown> {
  /** The section it owns (`owns`), after environment overrides, through its schema; undefined without `owns`. */
  section: Section;
  /** Where the section is, for errors: `config/develop/config.yaml: admin`. */
  file: string;
  environment: Readonly<Record<string, string | undefined>>;
  /** The core configuration, already validated. */
  config: Omit<Config, 'extras'>;
}

/** What an extra adds to the HTTP app: createApp applies these to every request and route. */
export interface AppExtension {
  /** Runs first on every request (the metrics' timing). */
  middleware?: MiddlewareHandler;
  /** Told of every registration's outcome, by job type. */
  onRegistration?: RegistrationListener;
  /** Wraps how a request's job is registered and documented (Idempotency-Key). */
  registration?: RequestRegistrar;
  /** Turns an error it knows into an answer; the core's handler takes the rest. */
  errorAnswer?: (error: Error, c: Context) => Response | undefined;
  /** Adds routes once the API's are in place (a page, `/metrics`). */
  mount?: (app: Hono) => void;
}

/** What an extra adds to the API process beyond the app: its clients and listeners. */
export interface ApiExtension extends AppExtension {
  /** Where the rate limiter keeps its counters instead of memory (`storage_type: redis`). */
  rateLimitStore?: { store: CounterStore; label: string };
  /** A queue of its own that registrations are written through, with a check after each write. */
  writes?: {
    queue: LazyQueue;
    afterWrite: (jobId: string) => Promise<void>;
    beforeReplay: (jobId: string) => Promise<void>;
  };
  /** Starts a listener of its own once the API listens. */
  start?: () => Promise<void>;
  stop?: () => Promise<void> | void;
}

/** What every hook gets: the loaded config, the process's logger and the extra's own settings. */
interface HookContext<Settings> {
  config: Config;
  logger: Logger;
  settings: Settings;
}

export interface ApiContext<Settings> extends HookContext<Settings> {
  /** The API's queue on the producer's client, and its outage log. */
  queue: QueueCallContext;
  /** Confirms a stored job before it is replayed (whatever `writes` says; a no-op without). */
  beforeReplay: (jobId: string) => Promise<void>;
  /** A new job-queue Redis client like the producer's (fail fast, watched, closed with the API). */
  connect: () => Redis;
}

/** What an extra adds to the worker process. */
export interface WorkerExtension {
  events?: JobEvents;
  /** Adds routes to the worker's health listener. */
  mount?: (app: Hono) => void;
  stop?: () => Promise<void> | void;
}

export interface WorkerContext<Settings> extends HookContext<Settings> {
  definitions: readonly AnyJobDefinition[];
}

export interface Extra<Settings = unknown, Section = unknown> {
  /** The folder's name under src/extras/ and test/extras/, and its marker in config/ (`# extra: name`). */
  readonly name: string;
  /**
   * The config section it owns — a top-level key of config.yaml, or a key under `redis:` in
   * cacheserver.yaml — and its schema; the loader validates it, naming the file and key.
   */
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
