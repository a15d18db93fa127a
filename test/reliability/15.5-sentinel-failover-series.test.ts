import { expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/free-port.js';
import type { NodeProcess } from '../../scripts/lib/node-process.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { AUTH_HEADERS } from '../helpers/api-keys.js';
import { withRedis } from '../helpers/redis-ask.js';
import { startSentinelSetup, type SentinelSetup } from '../helpers/redis-sentinel.js';
import { NO_RATE_LIMIT, writeConfigDir } from './lib/config-dir.js';
import { scenarioEnv, startApi, startWorker, waitUntilReady } from './lib/processes.js';
import { recordScenario } from './lib/scenario-report.js';
import { percentile, sleep } from './lib/stats.js';

const FAILOVERS = 10;
/** Each failover must be answered with a 201 within this long of the kill. */
const WINDOW_LIMIT_MS = 15_000;
const RUN_LINE = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] (series-\d+-\d+)$/;

/** When in the traffic the master dies; the third starts before the rejoined replica has finished its first sync. */
const MOMENTS = ['right after a registration', 'mid-burst', 'before the replica finished its first sync'] as const;

/** `SENTINEL REPLICAS` of each sentinel: every one lists a replica that is not down (else the failover aborts). */
async function everySentinelListsAReplica(setup: SentinelSetup): Promise<boolean> {
  const views = await Promise.all(
    setup.sentinels.map(async (sentinel) => {
      const replicas = (await withRedis(sentinel.port, (client) =>
        client.call('SENTINEL', 'REPLICAS', setup.name),
      )) as string[][];
      return replicas.some((flat) => {
        const flags = flat[flat.indexOf('flags') + 1] ?? '';
        return !/s_down|o_down|disconnected/.test(flags);
      });
    }),
  );
  return views.every(Boolean);
}

async function replicaInSync(port: number): Promise<boolean> {
  return (await withRedis(port, (client) => client.info('replication'))).includes('master_link_status:up');
}

it('15.5: ten Sentinel failovers in a row: each time a 201 within 15 s of the kill, the worker runs a job registered after it, API and worker ready again', async () => {
  const config = writeConfigDir([NO_RATE_LIMIT]);
  const processes: NodeProcess[] = [];
  let setup: SentinelSetup | undefined;
  const runs = new Set<string>();
  const gaveUp: string[] = [];
  try {
    setup = await startSentinelSetup({ replicas: 1, downAfterMs: 1000, failoverTimeoutMs: 5000 });
    const env = scenarioEnv('', config.dir, { ...setup.env, LOG_LEVEL: 'info' });
    const onLine = (_stream: 'stdout' | 'stderr', line: string) => {
      const message = RUN_LINE.exec(line)?.[1];
      if (message) runs.add(message);
      if (line.includes('stopped reconnecting by itself')) gaveUp.push(line);
    };
    const workerPort = await freePort();
    const [api, worker] = await Promise.all([startApi(env), startWorker(env, { port: workerPort, onLine })]);
    processes.push(api, worker);
    // The API's own lines (the worker's come through onLine); a chunk may hold several.
    const apiLines = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) onLine(stream, line);
    };
    api.child.stdout?.on('data', apiLines('stdout'));
    api.child.stderr?.on('data', apiLines('stderr'));
    await waitUntilReady(api.baseUrl);
    const workerReady = `http://127.0.0.1:${workerPort}/ready`;

    const register = async (message: string): Promise<number> => {
      try {
        const response = await fetch(`${api.baseUrl}/api/dm-jobqueue/register`, {
          method: 'POST',
          headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
          body: JSON.stringify({ message, delay_seconds: 0 }),
          signal: AbortSignal.timeout(3000),
        });
        await response.arrayBuffer();
        return response.status;
      } catch {
        return 0;
      }
    };

    const windows: number[] = [];
    const rounds: string[] = [];
    for (let round = 1; round <= FAILOVERS; round++) {
      const moment = MOMENTS[(round - 1) % MOMENTS.length]!;
      const current = setup;
      await waitFor(() => everySentinelListsAReplica(current), {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: `round ${round}: every sentinel to list a replica that is up`,
      });
      const masterPort = await setup.masterPort();
      const replicaPort = setup.nodes.map((node) => node.port).find((port) => port !== masterPort)!;
      if (moment !== 'before the replica finished its first sync')
        await waitFor(() => replicaInSync(replicaPort), { timeoutMs: 30_000, what: 'the replica to be in sync' });

      let burst: Promise<number[]> | undefined;
      if (moment === 'right after a registration') expect(await register(`series-${round}-0`)).toBe(201);
      if (moment === 'mid-burst') {
        burst = Promise.all(Array.from({ length: 20 }, (_, index) => register(`series-${round}-burst${index}`)));
        await sleep(5);
      }
      await setup.node(masterPort).stop('SIGKILL');
      const killedAt = Date.now();
      await burst;

      let acknowledged: string | undefined;
      for (let attempt = 1; !acknowledged && Date.now() - killedAt < WINDOW_LIMIT_MS + 5000; attempt++) {
        const message = `series-${round}-${attempt}`;
        if ((await register(message)) === 201) acknowledged = message;
        else await sleep(250);
      }
      const windowMs = Date.now() - killedAt;
      expect({ round, moment, acknowledged: acknowledged !== undefined }).toEqual({
        round,
        moment,
        acknowledged: true,
      });
      expect({ round, windowMs: windowMs <= WINDOW_LIMIT_MS }).toEqual({ round, windowMs: true });
      windows.push(windowMs);
      const registered = acknowledged!;
      await waitFor(() => runs.has(registered), {
        timeoutMs: 30_000,
        what: `round ${round}: the worker to run ${registered}`,
      });
      await waitFor(
        async () => (await fetch(`${api.baseUrl}/ready`)).status === 200 && (await fetch(workerReady)).status === 200,
        { timeoutMs: 15_000, what: `round ${round}: API and worker /ready` },
      );
      rounds.push(`${round}: ${moment}, 201 after ${windowMs} ms`);
      // The old master comes back; the sentinels make it a replica of the new one for the next round.
      await setup.node(masterPort).start();
    }

    recordScenario({
      id: '15.5',
      title: 'Ten Sentinel failovers in a row',
      injected: `${FAILOVERS} × SIGKILL of the current master (down-after-milliseconds 1000, failover-timeout 5000), each started once every sentinel lists a replica that is up; the killed node started again as the next round's replica`,
      load: `1 API + 1 worker on Sentinel (1 master, 1 replica, 3 sentinels); the kill ${MOMENTS.join(' / ')}, in turn; then a registration every 250 ms until a 201`,
      checked: [
        'each time a 201 within 15 s of the kill',
        'the worker runs the job registered after each failover',
        'API and worker /ready answer 200 again after each failover',
      ],
      figures: {
        failovers: FAILOVERS,
        '503 window p50 (kill to first 201)': `${percentile(windows, 0.5)} ms`,
        '503 window max': `${Math.max(...windows)} ms`,
        'failovers over 15 s': windows.filter((ms) => ms > WINDOW_LIMIT_MS).length,
        'connections ioredis ended by itself (reopened)': gaveUp.length,
      },
      notes: rounds.join('; '),
    });
  } finally {
    await Promise.allSettled(processes.map((child) => child.stop('SIGKILL')));
    await setup?.destroy();
    config.remove();
  }
}, 600_000);
