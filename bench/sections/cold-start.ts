import { execFileSync, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { freePort } from '../../scripts/lib/free-port.js';
import { PROJECT_ROOT } from '../../scripts/lib/node-process.js';
import { AUTH_HEADERS, TEST_API_SECRET } from '../../test/helpers/api-keys.js';
import { spread, type Spread } from '../lib/stats.js';

export interface ColdStart {
  /** spawn → first 201 of the compiled API (ms), per Node version. */
  api: Record<string, Spread>;
  /** spawn → the compiled worker printed a job that was already due (ms), per Node version. */
  worker: Record<string, Spread>;
  starts: number;
}

/** Node binaries to compare: this one, and Node 24 LTS from the npm registry's node package. */
export function nodeBinaries(log: (line: string) => void): Record<string, string> {
  const binaries: Record<string, string> = { [`Node ${process.versions.node}`]: process.execPath };
  try {
    const node24 = execFileSync(
      'npx',
      ['-y', '-p', 'node@24', '--', 'node', '-p', 'process.execPath + " " + process.versions.node'],
      { encoding: 'utf8' },
    ).trim();
    const [binary = '', version = ''] = node24.split(' ');
    if (!version.startsWith(process.versions.node)) binaries[`Node ${version}`] = binary;
  } catch (error) {
    log(`Node 24 not available (${(error as Error).message.split('\n')[0]}); cold start on this Node only`);
  }
  return binaries;
}

async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error('cold start timed out');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function start(node: string, entry: string, env: Record<string, string>) {
  const child = spawn(node, [path.join(PROJECT_ROOT, 'dist', entry)], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      APP_ENV: 'test',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      API_SECRET_KEY: TEST_API_SECRET,
      ADMIN_USER: '',
      ADMIN_PASSWORD: '',
      METRICS_USER: '',
      METRICS_PASSWORD: '',
      // As `npm run start:api` and the container image start them (Node 22.1+; ignored by Node 20).
      NODE_COMPILE_CACHE: path.join(tmpdir(), 'dm-jobqueue-bench-compile-cache'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  return { child, output: () => stdout };
}

async function apiColdStart(node: string, redisPort: number, queueName: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const api = start(node, 'server.js', {
    REDIS_JOBQUEUE_ADDR: `127.0.0.1:${redisPort}`,
    SERVER_PORT: String(port),
    JOBQUEUE_QUEUE_NAME: queueName,
  });
  try {
    await until(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/api/dm-jobqueue/register`, {
        method: 'POST',
        headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
        body: '{"delay_seconds":600}',
      });
      return response.status === 201 ? true : undefined;
    });
    return performance.now() - started;
  } finally {
    api.child.kill('SIGKILL');
  }
}

async function workerColdStart(node: string, redisPort: number, queue: Queue, marker: string): Promise<number> {
  await queue.add('demo:delay_print', { message: marker }, { jobId: marker });
  const port = await freePort();
  const started = performance.now();
  const worker = start(node, 'worker.js', {
    REDIS_JOBQUEUE_ADDR: `127.0.0.1:${redisPort}`,
    JOBQUEUE_PORT: String(port),
    JOBQUEUE_QUEUE_NAME: queue.name,
  });
  try {
    await until(async () => (worker.output().includes(marker) ? true : undefined));
    return performance.now() - started;
  } finally {
    worker.child.kill('SIGKILL');
  }
}

/**
 * Cold start of the compiled processes (`npm run build`), as a container or a
 * restarted VM sees it: spawn → first 201 for the API, spawn → first job run
 * for the worker (a job already due), `starts` times each, Node versions
 * interleaved. The OS page cache is warm after the first start, as on a host
 * that restarts a process.
 */
export async function benchColdStart(
  redisPort: number,
  { starts, log }: { starts: number; log: (line: string) => void },
): Promise<ColdStart> {
  log('building dist/ for the cold start (npm run build)');
  execFileSync('npm', ['run', '-s', 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  const binaries = nodeBinaries(log);
  const queue = new Queue(`cold-start-${Date.now()}`, { connection: { host: '127.0.0.1', port: redisPort } });
  const api: Record<string, number[]> = {};
  const worker: Record<string, number[]> = {};
  try {
    for (let round = 0; round < starts + 1; round++) {
      for (const [name, node] of Object.entries(binaries)) {
        const apiMs = await apiColdStart(node, redisPort, queue.name);
        const workerMs = await workerColdStart(
          node,
          redisPort,
          queue,
          `cold-start-${round}-${name.replace(/\W/g, '')}`,
        );
        // The first round warms the page cache and is not counted.
        if (round === 0) continue;
        (api[name] ??= []).push(apiMs);
        (worker[name] ??= []).push(workerMs);
      }
    }
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
  const spreads = (series: Record<string, number[]>) =>
    Object.fromEntries(Object.entries(series).map(([name, values]) => [name, spread(values)]));
  return { api: spreads(api), worker: spreads(worker), starts };
}
