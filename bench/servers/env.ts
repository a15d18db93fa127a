import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

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

/**
 * With BENCH_PROFILE_FILE (bench section 1b): the first SIGUSR2 starts V8's sampling profiler (every 100 µs), the
 * second writes the profile there, so that it covers the measured load only (not start-up or the warm-up).
 */
export function profileOnSignal(): void {
  const file = process.env.BENCH_PROFILE_FILE;
  if (!file) return;
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    const step = running
      ? session.post('Profiler.stop').then(({ profile }) => {
          writeFileSync(file, JSON.stringify(profile));
          return 'profile written';
        })
      : session
          .post('Profiler.enable')
          .then(() => session.post('Profiler.setSamplingInterval', { interval: 100 }))
          .then(() => session.post('Profiler.start'))
          .then(() => 'profiling');
    running = !running;
    void step.then((line) => process.stdout.write(`${line}\n`));
  });
}
