import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/lib/free-port.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { roleOf, withRedis as ask } from './redis-ask.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

export interface SentinelSetupOptions {
  /** Replicas of the first master (default 1). */
  replicas?: number;
  /** Sentinels (default 3, quorum 2). */
  sentinels?: number;
  /** How long a master may be silent before a sentinel calls it down (default 1000). */
  downAfterMs?: number;
  /** Sentinel's failover-timeout (default 3000): also how soon a failed election is retried. */
  failoverTimeoutMs?: number;
}

export interface SentinelProcess {
  readonly port: number;
  stop(): Promise<void>;
}

export interface SentinelSetup {
  /** The master group name. */
  readonly name: string;
  /** Every data node: the first master, then the replicas (roles change on failover). */
  readonly nodes: readonly RedisServer[];
  readonly sentinels: readonly SentinelProcess[];
  /** `host:port` of each sentinel. */
  readonly sentinelAddrs: readonly string[];
  /** The app's env overrides for this setup (replaces REDIS_JOBQUEUE_ADDR). */
  readonly env: Record<string, string>;
  /** The port the sentinels currently name as master. */
  masterPort(): Promise<number>;
  /** Waits until the sentinels name a master other than `port`; returns its port. */
  waitForNewMaster(port: number, timeoutMs?: number): Promise<number>;
  /** `ROLE` of the node on `port`: 'master' or 'slave'. */
  role(port: number): Promise<string>;
  /** The node on `port`. */
  node(port: number): RedisServer;
  /** Stops everything and removes the data directories. */
  destroy(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** `SENTINEL MASTER <name>` as a record (its reply is a flat field/value list). */
async function sentinelMaster(port: number, name: string): Promise<Record<string, string>> {
  const flat = (await ask(port, (client) => client.call('SENTINEL', 'MASTER', name))) as string[];
  const record: Record<string, string> = {};
  for (let index = 0; index + 1 < flat.length; index += 2) record[flat[index] as string] = flat[index + 1] as string;
  return record;
}

async function startSentinel(
  name: string,
  masterPort: number,
  options: Required<SentinelSetupOptions>,
): Promise<SentinelProcess> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-sentinel-'));
  const file = path.join(dir, 'sentinel.conf');
  const quorum = Math.floor(options.sentinels / 2) + 1;
  // Sentinel rewrites its own file (known replicas and sentinels, the current epoch), so each has its own copy.
  writeFileSync(
    file,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} ${quorum}`,
      `sentinel down-after-milliseconds ${name} ${options.downAfterMs}`,
      `sentinel failover-timeout ${name} ${options.failoverTimeoutMs}`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n'),
  );
  // `redis-server <conf> --sentinel` needs only redis-server (the redis-sentinel link may be missing).
  const child = spawn('redis-server', [file, '--sentinel'], { stdio: ['ignore', 'pipe', 'inherit'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await waitFor(() => output.includes('+monitor master'), {
    timeoutMs: 10_000,
    what: `sentinel on ${port} to monitor ${name}`,
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${output}`);
  });
  return {
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A private master, its replicas and three sentinels on free loopback ports
 * (AOF on, as the project ships Redis), ready for a failover: every sentinel
 * knows every replica and the other sentinels.
 * @example const setup = await startSentinelSetup(); startStack(setup.nodes[0], 'x', setup.env); … await setup.destroy();
 */
export async function startSentinelSetup(options: SentinelSetupOptions = {}): Promise<SentinelSetup> {
  const settings: Required<SentinelSetupOptions> = {
    replicas: 1,
    sentinels: 3,
    downAfterMs: 1000,
    failoverTimeoutMs: 3000,
    ...options,
  };
  const name = `dm-jobqueue-${process.pid}`;
  const nodes: RedisServer[] = [];
  const sentinels: SentinelProcess[] = [];
  const destroy = async () => {
    await Promise.allSettled(sentinels.map((sentinel) => sentinel.stop()));
    await Promise.allSettled(nodes.map((node) => node.destroy()));
  };
  try {
    const master = await startRedisServer({ appendonly: true });
    nodes.push(master);
    for (let index = 0; index < settings.replicas; index++) {
      nodes.push(
        await startRedisServer({ appendonly: true, extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] }),
      );
    }
    await waitFor(
      async () =>
        (await ask(master.port, (client) => client.info('replication'))).split('state=online').length - 1 ===
        settings.replicas,
      {
        timeoutMs: 15_000,
        what: 'the replicas to be in sync',
      },
    );
    for (let index = 0; index < settings.sentinels; index++)
      sentinels.push(await startSentinel(name, master.port, settings));
    await waitFor(
      async () => {
        const views = await Promise.all(sentinels.map((sentinel) => sentinelMaster(sentinel.port, name)));
        return views.every(
          (view) =>
            Number(view['num-slaves']) === settings.replicas &&
            Number(view['num-other-sentinels']) === settings.sentinels - 1,
        );
      },
      { timeoutMs: 20_000, intervalMs: 200, what: 'every sentinel to know the replicas and the other sentinels' },
    );
  } catch (error) {
    await destroy();
    throw error;
  }
  const sentinelAddrs = sentinels.map((sentinel) => `127.0.0.1:${sentinel.port}`);
  const masterPort = async () => {
    const errors: unknown[] = [];
    for (const sentinel of sentinels) {
      try {
        const [, port] = (await ask(sentinel.port, (client) =>
          client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name),
        )) as [string, string];
        return Number(port);
      } catch (error) {
        errors.push(error);
      }
    }
    throw new Error(`no sentinel answered: ${String(errors[0])}`);
  };
  return {
    name,
    nodes,
    sentinels,
    sentinelAddrs,
    env: {
      REDIS_JOBQUEUE_ADDR: '',
      REDIS_JOBQUEUE_SENTINEL_NAME: name,
      REDIS_JOBQUEUE_SENTINEL_ADDRS: sentinelAddrs.join(','),
    },
    masterPort,
    async waitForNewMaster(port, timeoutMs = 30_000) {
      return waitFor(
        async () => {
          const current = await masterPort();
          return current !== port && (await roleOf(current)) === 'master' ? current : undefined;
        },
        { timeoutMs, intervalMs: 100, what: `the sentinels to promote a replica of ${port}` },
      );
    },
    role: roleOf,
    node(port) {
      const found = nodes.find((node) => node.port === port);
      if (!found) throw new Error(`no node on port ${port}`);
      return found;
    },
    destroy,
  };
}
