import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** A package's installed version: the bench's own dependencies first, then the project's. */
function packageVersion(name: string): string {
  for (const root of ['../node_modules/', '../../node_modules/']) {
    const file = new URL(`${root}${name}/package.json`, import.meta.url);
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'not installed';
}

/** The machine and versions, for the head of RESULTS.md. */
export function describeEnvironment(): string {
  const cpus = os.cpus();
  const redis = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
  return [
    `- date: ${new Date().toISOString()}`,
    `- machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`,
    `- node ${process.version}; ${redis.split(' ').slice(0, 3).join(' ')}`,
    `- ${['hono', '@hono/node-server', 'bullmq', 'ioredis', 'fastify', 'express', 'rate-limiter-flexible', 'autocannon'].map((name) => `${name} ${packageVersion(name)}`).join(', ')}`,
  ].join('\n');
}
