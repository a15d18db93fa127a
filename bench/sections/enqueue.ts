import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

/** Jobs per second of raw BullMQ `add` (64 in flight) and `addBulk` (chunks of 500). */
export async function benchEnqueue(redisPort: number, { count, rounds }: { count: number; rounds: number }) {
  const admin = new Redis(redisPort);
  const queue = new Queue('bench-enqueue', { connection: { host: '127.0.0.1', port: redisPort } });
  const results = { add64: [] as number[], addBulk: [] as number[] };
  const options = { delay: 180_000, attempts: 11 };
  try {
    for (let round = 0; round < rounds; round++) {
      await admin.flushall();
      let next = 0;
      let started = performance.now();
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < count) {
            next += 1;
            await queue.add('demo:delay_print', { message: 'bench job' }, options);
          }
        }),
      );
      results.add64.push(count / ((performance.now() - started) / 1000));

      await admin.flushall();
      started = performance.now();
      for (let offset = 0; offset < count; offset += 500) {
        const chunk = Array.from({ length: Math.min(500, count - offset) }, () => ({ name: 'demo:delay_print', data: { message: 'bench job' }, opts: options }));
        await queue.addBulk(chunk);
      }
      results.addBulk.push(count / ((performance.now() - started) / 1000));
    }
  } finally {
    await queue.close();
    await admin.flushall();
    admin.disconnect();
  }
  return results;
}
