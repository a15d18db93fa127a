import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startRedisServer, type RedisServer } from './redis-server.js';

const run = promisify(execFile);

export interface RedisCluster {
  readonly nodes: RedisServer[];
  readonly addrs: string[];
  destroy(): Promise<void>;
  /** Waits until CLUSTER INFO on every running node says cluster_state:ok. */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
}

async function clusterState(port: number): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
  return /cluster_state:(\w+)/.exec(stdout)?.[1] ?? 'unknown';
}

/**
 * A private 3-master Redis Cluster on free ports (no replicas), created with
 * `redis-cli --cluster create`, for the rate limiter's tests.
 */
export async function startRedisCluster(size = 3): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  for (let i = 0; i < size; i++) {
    // A short node timeout so a killed node is noticed (and its return) within a second or two.
    nodes.push(
      await startRedisServer({
        extraArgs: [
          '--cluster-enabled',
          'yes',
          '--cluster-node-timeout',
          '1000',
          '--cluster-config-file',
          'nodes.conf',
        ],
      }),
    );
  }
  const addrs = nodes.map((node) => node.addr);
  await run('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-replicas', '0', '--cluster-yes']);
  const cluster: RedisCluster = {
    nodes,
    addrs,
    async destroy() {
      await Promise.all(nodes.map((node) => node.destroy()));
    },
    async waitUntilHealthy(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(nodes.map((node) => clusterState(node.port).catch(() => 'down')));
        if (states.every((state) => state === 'ok')) return;
        if (Date.now() > deadline) throw new Error(`cluster not healthy: ${states.join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
  await cluster.waitUntilHealthy();
  return cluster;
}
