import { freePort } from '../../scripts/lib/free-port.js';
import { startBenchServer } from '../lib/bench-server.js';
import { percentile } from '../lib/stats.js';
import { AUTH_HEADERS } from '../../test/helpers/api-keys.js';

/** Latency of `register` answering 503 while the job-queue Redis is down (sequential requests). */
export async function benchFailFast(requests: number) {
  const deadPort = await freePort();
  const server = await startBenchServer('fail-fast', 'full-register.ts', {
    REDIS_PORT: String(deadPort),
    QUEUE_NAME: 'bench-down',
    WAIT_FOR_REDIS: 'no',
  });
  const latencies: number[] = [];
  const statuses = new Set<number>();
  try {
    for (let i = -20; i < requests; i++) {
      const started = performance.now();
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
        body: '{"message":"x"}',
      });
      await response.arrayBuffer();
      if (i >= 0) latencies.push(performance.now() - started); // the first 20 warm up JIT and the socket
      statuses.add(response.status);
    }
  } finally {
    await server.process.stop('SIGKILL');
  }
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    statuses: [...statuses],
  };
}
