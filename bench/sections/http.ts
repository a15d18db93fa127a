import { Redis } from 'ioredis';
import type { RedisCluster } from '../../test/helpers/redis-cluster.js';
import { startBenchServer, type BenchServer } from '../lib/bench-server.js';
import { cpuSeconds } from '../lib/cpu.js';
import { postLoad, type LoadResult } from '../lib/load.js';
import { rssMiB } from '../lib/rss.js';
import { roundOrder } from '../lib/rotation.js';

export interface HttpTarget {
  name: string;
  file: string;
  env?: Record<string, string>;
  /** Node flags for the server process. */
  nodeArgs?: readonly string[];
}

/** A load run plus the CPU time the server spent per answered request. */
export interface HttpRun extends LoadResult {
  serverMicrosPerRequest: number;
}

export interface HttpResults {
  /** Per target, one result per round. */
  runs: Map<string, HttpRun[]>;
  /** RSS of each server before the first load and after the last one. */
  rss: Map<string, { idle: number; after: number }>;
}

/**
 * Starts every target, then loads them in turn, rotating the order every
 * round (A B C, B C A, …), so that the machine's drift hits all of them alike; Redis is flushed between runs so
 * no target works against a bigger queue than another.
 */
export async function benchHttp(
  targets: readonly HttpTarget[],
  options: { redisPort: number; cluster?: RedisCluster; rounds: number; seconds: number; log: (line: string) => void },
): Promise<HttpResults> {
  const admin = new Redis(options.redisPort);
  const servers: BenchServer[] = [];
  const runs = new Map<string, HttpRun[]>();
  const rss = new Map<string, { idle: number; after: number }>();
  try {
    for (const target of targets) {
      const env = {
        REDIS_PORT: String(options.redisPort),
        QUEUE_NAME: `bench-${target.name}`,
        CLUSTER_ADDRS: options.cluster?.addrs.join(',') ?? '',
        ...target.env,
      };
      servers.push(await startBenchServer(target.name, target.file, env, [...(target.nodeArgs ?? [])]));
    }
    for (const server of servers) rss.set(server.name, { idle: rssMiB(server.pid), after: 0 });
    for (let round = 1; round <= options.rounds; round++) {
      for (const server of roundOrder(servers, round)) {
        await admin.flushall();
        await postLoad(server.url, { seconds: 1 }); // warm-up: JIT, connection pools
        const cpuBefore = cpuSeconds(server.pid);
        const load = await postLoad(server.url, { seconds: options.seconds });
        // CPU per request moves less than req/s when other work on the machine steals time.
        const served = load.requestsPerSecond * options.seconds;
        const result = {
          ...load,
          serverMicrosPerRequest: served > 0 ? ((cpuSeconds(server.pid) - cpuBefore) * 1e6) / served : Number.NaN,
        };
        runs.set(server.name, [...(runs.get(server.name) ?? []), result]);
        options.log(
          `round ${round} ${server.name}: ${Math.round(result.requestsPerSecond)} req/s, ${Math.round(result.serverMicrosPerRequest)} µs CPU/req, p99 ${result.p99Ms} ms, failures ${result.failures}`,
        );
      }
    }
    for (const server of servers) {
      const entry = rss.get(server.name);
      if (entry) entry.after = rssMiB(server.pid);
    }
  } finally {
    await Promise.all(servers.map((server) => server.process.stop('SIGKILL')));
    await admin.flushall().catch(() => undefined);
    admin.disconnect();
  }
  return { runs, rss };
}
