import { execFileSync } from 'node:child_process';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { redisUsedMemory } from '../lib/cpu.js';

/** redis-benchmark SET and ZADD on the same server: what Redis alone does here. */
export function redisBenchmark(port: number): Record<string, number> {
  const csv = execFileSync(
    'redis-benchmark',
    ['-p', String(port), '-t', 'set,zadd', '-n', '100000', '-c', '50', '--csv'],
    { encoding: 'utf8' },
  );
  const results: Record<string, number> = {};
  for (const line of csv.split('\n').slice(1)) {
    const [name, rps] = line.split(',').map((cell) => cell.replace(/"/g, ''));
    if (name && rps) results[name.split(' ')[0] ?? name] = Number(rps);
  }
  return results;
}

/** Redis memory per delayed job, as the endpoint stores it (message, 11 attempts, backoff). */
export async function bytesPerDelayedJob(port: number, count: number): Promise<number> {
  const admin = new Redis(port);
  const queue = new Queue('bench-memory', { connection: { host: '127.0.0.1', port } });
  try {
    await admin.flushall();
    await queue.add('demo:delay_print', { message: 'warm-up' }, { delay: 180_000 });
    const before = await redisUsedMemory(admin);
    for (let offset = 0; offset < count; offset += 500) {
      await queue.addBulk(
        Array.from({ length: Math.min(500, count - offset) }, (_, i) => ({
          name: 'demo:delay_print',
          data: { message: 'Job executed successfully' },
          opts: {
            jobId: `00000000-0000-4000-8000-${String(offset + i).padStart(12, '0')}`,
            delay: 180_000,
            attempts: 11,
            backoff: { type: 'exponential', delay: 30_000, jitter: 0.2 },
          },
        })),
      );
    }
    return ((await redisUsedMemory(admin)) - before) / count;
  } finally {
    await queue.close();
    await admin.flushall();
    admin.disconnect();
  }
}
