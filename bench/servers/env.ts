/** Settings every bench server reads from its environment (set by bench/run.ts). */
export function benchEnv() {
  const port = Number(process.env.PORT ?? '0');
  const redisPort = Number(process.env.REDIS_PORT ?? '6379');
  const queueName = process.env.QUEUE_NAME ?? 'bench';
  return { port, redisPort, queueName };
}

/** Tells bench/run.ts the bound port: the one line it waits for. */
export function announce(port: number): void {
  process.stdout.write(`listening ${port}\n`);
}

/** The job the minimal endpoints add, shaped as the real endpoint's. */
export const BENCH_DELAY_MS = 180_000;
