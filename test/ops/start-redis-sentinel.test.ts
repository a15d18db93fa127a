import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/free-port.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { createSilentLogger } from '../../src/infra/log.js';
import { createBullmqProducer } from '../../src/infra/queue/bullmq-queue.js';
import { createLazyQueue } from '../../src/infra/queue/bullmq-queue.js';
import { producerRedisOptions } from '../../src/infra/redis/connection.js';
import { killIfAlive, readPid } from '../helpers/processes.js';
import { redisConfigFor, uniqueQueueName } from '../helpers/redis-config.js';
import { roleOf, withRedis } from '../helpers/redis-ask.js';
import { runScript } from '../helpers/run-script.js';

// scripts/start-redis-sentinel.sh run for real through its local fallback
// (REDIS_START_MODE=local) on free ports (never 6379) and a temp data directory.

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function scriptSentinel() {
  const [masterPort, replicaPort] = [await freePort(), await freePort()];
  const sentinelPorts: [number, number, number] = [await freePort(), await freePort(), await freePort()];
  const dataDir = realpathSync(mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-start-sentinel-')));
  const name = `ops-${process.pid}`;
  const env = {
    REDIS_START_MODE: 'local',
    APP_ENV: 'test',
    REDIS_SENTINEL_MASTER_PORT: String(masterPort),
    REDIS_SENTINEL_REPLICA_PORT: String(replicaPort),
    REDIS_SENTINEL_DATA_DIR: dataDir,
    REDIS_SENTINEL_DOWN_AFTER_MS: '1000',
    // The script takes the sentinels from the app's own setting.
    REDIS_JOBQUEUE_SENTINEL_NAME: name,
    REDIS_JOBQUEUE_SENTINEL_ADDRS: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','),
  };
  const ports = [masterPort, replicaPort, ...sentinelPorts];
  const run = (command: 'start' | 'stop' | 'status') => runScript('start-redis-sentinel.sh', [command], env);
  cleanup.push(async () => {
    await run('stop');
    for (const port of ports) killIfAlive(readPid(path.join(dataDir, String(port), 'redis.pid')));
    rmSync(dataDir, { recursive: true, force: true });
  });
  const master = async () =>
    (
      (await withRedis(sentinelPorts[0], (client) => client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name))) as [
        string,
        string,
      ]
    )[1];
  return { masterPort, replicaPort, sentinelPorts, ports, dataDir, name, run, ask: withRedis, role: roleOf, master };
}

/** A field of a SENTINEL REPLICAS entry, which comes as a flat name/value list. */
function fieldOf(entry: string[], name: string): string | undefined {
  const index = entry.indexOf(name);
  return index >= 0 && index % 2 === 0 ? entry[index + 1] : undefined;
}

describe('scripts/start-redis-sentinel.sh (local fallback)', () => {
  it('starts a master with AOF, a replica and three sentinels that the app reaches through Sentinel, and stops them all', async () => {
    const setup = await scriptSentinel();
    const started = await setup.run('start');
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain(`REDIS_JOBQUEUE_SENTINEL_NAME=${setup.name}`);
    expect(await setup.role(setup.masterPort)).toBe('master');
    expect(await setup.role(setup.replicaPort)).toBe('slave');
    expect(await setup.ask(setup.masterPort, (client) => client.config('GET', 'appendonly'))).toEqual([
      'appendonly',
      'yes',
    ]);
    expect(await setup.ask(setup.masterPort, (client) => client.config('GET', 'dir'))).toEqual([
      'dir',
      path.join(setup.dataDir, String(setup.masterPort)),
    ]);
    expect(await setup.master()).toBe(String(setup.masterPort));

    // The app's own connection options find the master through the sentinels and store a job.
    const config = redisConfigFor(1, {
      addr: undefined,
      sentinel: {
        name: setup.name,
        addrs: setup.sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
        tls: false,
      },
    });
    const client = new Redis(producerRedisOptions(config));
    client.on('error', () => undefined);
    const queue = createLazyQueue({
      client,
      location: { name: uniqueQueueName('ops-sentinel'), prefix: 'bull' },
      logger: createSilentLogger(),
    });
    cleanup.push(async () => {
      await queue.close();
      client.disconnect();
    });
    await waitFor(() => client.status === 'ready', { what: 'the client to reach the master through the sentinels' });
    expect(client.stream.remotePort).toBe(setup.masterPort);
    const producer = createBullmqProducer({ queue, logger: createSilentLogger() });
    await producer.enqueue({
      jobId: 'ops-1',
      name: 'demo:delay_print',
      data: { message: 'via sentinel' },
      delayMs: 60_000,
      attempts: 1,
      backoff: { type: 'fixed', delayMs: 1000 },
    });

    const status = await setup.run('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`master of "${setup.name}": 127.0.0.1:${setup.masterPort}`);

    const stopped = await setup.run('stop');
    expect(stopped.code).toBe(0);
    expect((await setup.run('status')).code).toBe(3);
    for (const port of setup.ports)
      expect(readPid(path.join(setup.dataDir, String(port), 'redis.pid'))).toBeUndefined();
  });

  it('keeps the promoted master across a stop and start after a failover', async () => {
    const setup = await scriptSentinel();
    expect((await setup.run('start')).code).toBe(0);
    // A replica the sentinel has only just discovered is not yet eligible (its INFO is not
    // refreshed) and FAILOVER answers NOGOODSLAVE: wait for a connected replica, and ask again
    // until the sentinel accepts.
    await waitFor(
      async () => {
        const replicas = (await setup.ask(setup.sentinelPorts[0], (client) =>
          client.call('SENTINEL', 'REPLICAS', setup.name),
        )) as string[][];
        return (
          replicas.length === 1 &&
          fieldOf(replicas[0]!, 'flags') === 'slave' &&
          fieldOf(replicas[0]!, 'master-link-status') === 'ok'
        );
      },
      { what: 'the sentinel to know a connected replica' },
    );
    await waitFor(
      () => setup.ask(setup.sentinelPorts[0], (client) => client.call('SENTINEL', 'FAILOVER', setup.name)),
      { timeoutMs: 20_000, intervalMs: 500, what: 'the sentinel to accept FAILOVER' },
    );
    await waitFor(
      async () =>
        (await setup.master()) === String(setup.replicaPort) && (await setup.role(setup.replicaPort)) === 'master',
      { timeoutMs: 20_000, what: 'the replica to be promoted' },
    );
    await waitFor(async () => (await setup.role(setup.masterPort)) === 'slave', {
      timeoutMs: 20_000,
      what: 'the old master to become a replica',
    });

    expect((await setup.run('stop')).code).toBe(0);
    expect((await setup.run('start')).code).toBe(0);
    expect(await setup.master()).toBe(String(setup.replicaPort));
    expect(await setup.role(setup.replicaPort)).toBe('master');
    expect(await setup.role(setup.masterPort)).toBe('slave');
  }, 60_000);
});
