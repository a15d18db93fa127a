import { freePort } from '../../../scripts/lib/free-port.js';
import { startNodeProcess, type NodeProcess } from '../../../scripts/lib/node-process.js';
import { waitFor } from '../../../scripts/lib/wait-for.js';
import { TEST_API_SECRET } from '../../helpers/api-keys.js';
import { uniqueQueueName } from '../../helpers/redis-config.js';

/** The worker entry with the test job types (`test:slow`, `test:busy`) as well as the shipped ones. */
export const TEST_WORKER_ENTRY = 'test/reliability/lib/worker-with-test-jobs.ts';

/** The environment API and workers of one scenario share: its Redis, its queue, its config folder. */
export function scenarioEnv(
  redisAddr: string,
  configDir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    REDIS_JOBQUEUE_ADDR: redisAddr,
    JOBQUEUE_QUEUE_NAME: uniqueQueueName('rel'),
    API_SECRET_KEY: TEST_API_SECRET,
    CONFIG_DIR: configDir,
    // No dashboard or /metrics: the scenarios need neither, and each would take a port.
    ADMIN_USER: '',
    ADMIN_PASSWORD: '',
    METRICS_USER: '',
    METRICS_PASSWORD: '',
    ...extra,
  };
}

export interface StartOptions {
  /** E.g. `['ip', 'netns', 'exec', 'ns1']`. */
  wrapper?: string[];
  /** The port to listen on (default: a free one on loopback). */
  port?: number;
  /** Where the process listens (SERVER_HOST / JOBQUEUE_HOST). */
  host?: string;
}

export interface ApiProcess extends NodeProcess {
  readonly baseUrl: string;
}

/** The real API process (src/server.ts); resolves once it listens. */
export async function startApi(env: Record<string, string>, options: StartOptions = {}): Promise<ApiProcess> {
  const port = options.port ?? (await freePort());
  const host = options.host ?? '127.0.0.1';
  const api = startNodeProcess(
    'src/server.ts',
    { ...env, SERVER_PORT: String(port), SERVER_HOST: host },
    options.wrapper ? { wrapper: options.wrapper } : {},
  );
  try {
    await api.waitForLine(/API listening/, { timeoutMs: 30_000 });
  } catch (error) {
    await api.stop('SIGKILL');
    throw error;
  }
  return Object.assign(api, { baseUrl: `http://${host}:${port}` });
}

export interface WorkerStartOptions extends StartOptions {
  /** Another worker entry, e.g. TEST_WORKER_ENTRY. */
  entry?: string;
  /** Called with every line the worker prints, as it arrives. */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
}

/** A real worker process (src/worker.ts, or `entry`); resolves once it runs. */
export async function startWorker(env: Record<string, string>, options: WorkerStartOptions = {}): Promise<NodeProcess> {
  const port = options.port ?? (await freePort());
  const workerEnv = { ...env, JOBQUEUE_PORT: String(port), JOBQUEUE_HOST: options.host ?? '127.0.0.1' };
  const worker = startNodeProcess(options.entry ?? 'src/worker.ts', workerEnv, {
    ...(options.wrapper ? { wrapper: options.wrapper } : {}),
    ...(options.onLine ? { onLine: options.onLine } : {}),
  });
  try {
    await worker.waitForLine(/worker started/, { timeoutMs: 30_000 });
  } catch (error) {
    await worker.stop('SIGKILL');
    throw error;
  }
  return worker;
}

/** Polls `/ready` until the process reaches Redis. */
export async function waitUntilReady(baseUrl: string, timeoutMs = 20_000): Promise<void> {
  await waitFor(async () => (await fetch(`${baseUrl}/ready`)).status === 200, {
    timeoutMs,
    what: `${baseUrl}/ready to answer 200`,
  });
}

/** The pid of a started process (it has one once spawned). */
export function pidOf(process: NodeProcess): number {
  const { pid } = process.child;
  if (pid === undefined) throw new Error('the process did not start');
  return pid;
}
