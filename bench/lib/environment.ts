import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

function packageVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
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
