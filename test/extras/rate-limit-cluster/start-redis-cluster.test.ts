import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cluster } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { freePortBlock } from '../../helpers/free-port-block.js';
import { isAlive, killIfAlive, readPid, redisServersOnPort } from '../../helpers/processes.js';
import { runScript } from '../../helpers/run-script.js';

// scripts/start-redis-cluster.sh run for real through its local fallback, on
// free ports (and their cluster bus ports) and a temporary data directory.

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function clusterInfo(port: number): Map<string, string> {
  const text = execFileSync('redis-cli', ['-c', '-h', '127.0.0.1', '-p', String(port), 'CLUSTER', 'INFO'], {
    encoding: 'utf8',
  });
  return new Map(
    text
      .split(/\r?\n/)
      .filter((line) => line.includes(':'))
      .map((line) => line.split(':', 2) as [string, string]),
  );
}

describe('scripts/start-redis-cluster.sh (local fallback)', () => {
  it('starts 3 masters with cluster_state ok, keeps data across stop/start, and stop leaves no redis-server', async () => {
    const base = await freePortBlock(3, 10_000);
    const ports = [base, base + 1, base + 2];
    const dataDir = realpathSync(mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-cluster-')));
    const env = { REDIS_START_MODE: 'local', REDIS_CLUSTER_BASE_PORT: String(base), REDIS_CLUSTER_DATA_DIR: dataDir };
    const run = (command: string) => runScript('start-redis-cluster.sh', [command], env);
    const pids = () => ports.map((port) => readPid(path.join(dataDir, String(port), 'redis-server.pid')));
    const seen = new Set<number | undefined>();
    cleanup.push(async () => {
      await run('stop');
      seen.forEach(killIfAlive);
      rmSync(dataDir, { recursive: true, force: true });
    });

    expect((await run('status')).code).toBe(3);
    const started = await run('start');
    expect(started.code, started.stderr).toBe(0);
    pids().forEach((pid) => seen.add(pid));
    console.log(
      `[figures] start-redis-cluster.sh start -> cluster_state ok: ${started.ms} ms (3 local nodes, cluster created)`,
    );
    expect(started.stdout).toContain(`data in ${dataDir}/<port>`);
    expect(started.stdout).toContain(
      `REDIS_DEFAULT_CLUSTER_ADDRS=${ports.map((port) => `127.0.0.1:${port}`).join(',')}`,
    );

    const info = clusterInfo(base);
    expect(info.get('cluster_state')).toBe('ok');
    expect(info.get('cluster_known_nodes')).toBe('3');
    expect(info.get('cluster_size')).toBe('3');
    expect(info.get('cluster_slots_assigned')).toBe('16384');

    // A cluster client on the host follows the announced addresses to every node.
    const client = new Cluster([{ host: '127.0.0.1', port: base }], { lazyConnect: true });
    client.on('error', () => undefined);
    cleanup.push(() => client.disconnect());
    const keys = Array.from({ length: 20 }, (_, index) => `ops-test-${index}`);
    for (const key of keys) await client.set(key, key);
    const masters = client.nodes('master').map((node) => node.options.port);
    expect(masters.sort()).toEqual(ports);
    client.disconnect();

    const status = await run('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/running: 3 nodes .* cluster_state=ok \(local redis-server pids \d+ \d+ \d+\)/);
    const again = await run('start');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already running.*starting nothing/);

    const running = pids();
    const stopped = await run('stop');
    expect(stopped.code).toBe(0);
    for (const pid of running) expect(isAlive(pid ?? 0)).toBe(false);
    for (const port of ports) expect(redisServersOnPort(port)).toEqual([]);
    expect((await run('status')).code).toBe(3);

    // Restarted nodes rejoin from nodes.conf and still hold their keys (AOF).
    const restarted = await run('start');
    expect(restarted.code, restarted.stderr).toBe(0);
    pids().forEach((pid) => seen.add(pid));
    expect(restarted.stdout).not.toMatch(/creating the cluster/);
    console.log(
      `[figures] start-redis-cluster.sh start -> cluster_state ok: ${restarted.ms} ms (restart of an existing cluster)`,
    );
    const reconnected = new Cluster([{ host: '127.0.0.1', port: base + 2 }], { lazyConnect: true });
    reconnected.on('error', () => undefined);
    cleanup.push(() => reconnected.disconnect());
    expect(await Promise.all(keys.map((key) => reconnected.get(key)))).toEqual(keys);
    reconnected.disconnect();

    expect((await run('stop')).code).toBe(0);
    for (const port of ports) expect(redisServersOnPort(port)).toEqual([]);
  });

  it('starts nothing when one of its ports is taken', async () => {
    const base = await freePortBlock(3, 10_000);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-cluster-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(base + 1, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => blocker.close(resolve)));

    const env = { REDIS_START_MODE: 'local', REDIS_CLUSTER_BASE_PORT: String(base), REDIS_CLUSTER_DATA_DIR: dataDir };
    const start = await runScript('start-redis-cluster.sh', ['start'], env);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(`something already answers on port(s) ${base + 1}; starting nothing`);
    for (const port of [base, base + 2]) expect(redisServersOnPort(port)).toEqual([]);
  });
});
