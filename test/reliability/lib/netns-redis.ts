import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NetHost } from './netns.js';

export interface NetnsRedis {
  readonly addr: string;
  destroy(): Promise<void>;
}

/** A private redis-server (AOF everysec) inside `host`'s namespace, bound to its address only (so protected mode, which refuses non-loopback clients, is off: nothing outside the test network can reach it). */
export async function startNetnsRedis(host: NetHost, port = 6390): Promise<NetnsRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-redis-netns-'));
  const child: ChildProcess = spawn(
    'ip',
    [
      'netns',
      'exec',
      host.ns,
      'redis-server',
      '--port',
      String(port),
      '--bind',
      host.addr,
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      'noeviction',
      '--protected-mode',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server in ${host.ns} exited (${code}):\n${output}`)));
  });
  return {
    addr: `${host.addr}:${port}`,
    async destroy() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
