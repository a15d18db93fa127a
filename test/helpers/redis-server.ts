import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/lib/free-port.js';

export interface RedisServerOptions {
  /** AOF persistence (`appendfsync everysec`), as the project ships it. */
  appendonly?: boolean;
  port?: number;
  /** A redis.conf to start from (e.g. the shipped redis/redis.conf); the options below override it. */
  configFile?: string;
  extraArgs?: string[];
}

export interface RedisServer {
  readonly port: number;
  readonly addr: string;
  readonly dir: string;
  /** Stops the server: SIGTERM shuts down cleanly, SIGKILL simulates a crash. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops it and removes its data directory. */
  destroy(): Promise<void>;
}

function waitForReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)));
  });
}

// A test run that ends (even by an error) must not leave servers behind.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Spawns a private `redis-server` on a free port in a temporary directory, so
 * tests never touch a shared Redis.
 * @example const redis = await startRedisServer({ appendonly: true }); … await redis.destroy();
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-redis-'));
  const args = [
    ...(options.configFile ? [options.configFile] : []),
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.appendonly ? 'yes' : 'no',
    '--appendfsync',
    'everysec',
    '--maxmemory-policy',
    'noeviction',
    ...(options.extraArgs ?? []),
  ];
  let child: ChildProcess | undefined;

  const server: RedisServer = {
    port,
    addr: `127.0.0.1:${port}`,
    dir,
    async start() {
      if (child) return;
      const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
      child = started;
      running.add(started);
      started.once('exit', () => {
        running.delete(started);
        if (child === started) child = undefined;
      });
      await waitForReady(started);
    },
    async stop(signal = 'SIGTERM') {
      const running = child;
      if (!running) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill(signal);
      await exited;
    },
    async destroy() {
      await server.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
