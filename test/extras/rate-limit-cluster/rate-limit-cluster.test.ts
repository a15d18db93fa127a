import { createTestApp } from '../../helpers/test-app.js';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../../src/infra/log.js';
import { createRateLimit } from '../../../src/infra/rate-limit/rate-limit.js';
import * as v from 'valibot';
import { ClusterSchema, clusterStoreFromConfig } from '../../../src/extras/rate-limit-cluster/cluster-store.js';
import { waitFor } from '../../../scripts/lib/wait-for.js';
import { startRedisCluster, type RedisCluster } from '../../helpers/redis-cluster.js';
import { configWithRateLimit } from '../../helpers/test-config.js';
import { AUTH_HEADERS } from '../../helpers/api-keys.js';

describe('rate limiting on a real Redis Cluster', () => {
  let cluster: RedisCluster;
  const clients: Cluster[] = [];
  let run = 0;

  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await cluster.destroy();
  });

  /** One API instance: its own cluster client and limiter, as a separate process would have. */
  async function apiInstance(perMinute: number, perHour: number, keyPrefix: string) {
    const config = configWithRateLimit(
      { requests_per_minute: perMinute, requests_per_hour: perHour, storage_type: 'redis' },
      cluster.addrs,
    );
    const { cluster: settings } = v.parse(ClusterSchema, { cluster: { addrs: cluster.addrs } });
    settings.retry = { min_delay_ms: 50, max_delay_ms: 200 };
    // A request whose key lives on a dead node waits at most this long before it is let through.
    settings.command_timeout_ms = 250;
    const store = clusterStoreFromConfig(config.app.api.rate_limit, settings, createSilentLogger());
    if (!store) throw new Error('a cluster store expected for storage_type redis');
    clients.push(store.cluster);
    // Until the slot map is loaded the limiter fails open; a real API does the same for its first moments.
    await waitFor(() => store.cluster.status === 'ready', { what: 'the cluster client' });
    const rateLimit = createRateLimit(config, createSilentLogger(), { ...store, keyPrefix });
    if (!rateLimit) throw new Error('limiter expected');
    const app = createTestApp({ rateLimit });
    return (ip: string) =>
      app.request(
        '/api/dm-jobqueue/register',
        { method: 'POST', headers: AUTH_HEADERS },
        { incoming: { socket: { remoteAddress: ip, remotePort: 1, remoteFamily: 'IPv4' } } },
      );
  }

  function prefix() {
    run += 1;
    return `test-rl-${process.pid}-${run}`;
  }

  it('shares counts between two API instances, in both windows, with exact headers', async () => {
    const keyPrefix = prefix();
    const first = await apiInstance(4, 6, keyPrefix);
    const second = await apiInstance(4, 6, keyPrefix);
    const statuses: number[] = [];
    const remaining: (string | null)[] = [];
    const hourRemaining: (string | null)[] = [];
    for (const send of [first, second, first, second, first]) {
      const response = await send('198.51.100.1');
      statuses.push(response.status);
      remaining.push(response.headers.get('x-ratelimit-remaining'));
      hourRemaining.push(response.headers.get('x-ratelimit-hour-remaining'));
      expect(response.headers.get('x-ratelimit-limit')).toBe('4');
      // A 429 reports the window it exceeded (rate-limiter-flexible's union returns only those).
      if (response.status !== 429) expect(response.headers.get('x-ratelimit-hour-limit')).toBe('6');
    }
    expect(statuses).toEqual([201, 201, 201, 201, 429]);
    expect(remaining).toEqual(['3', '2', '1', '0', '0']);
    expect(hourRemaining).toEqual(['5', '4', '3', '2', null]);
    // Another client is not affected by the first one's count.
    expect((await second('198.51.100.2')).status).toBe(201);
  });

  it(
    'fails open with no 5xx when a node is killed, and limits again when it returns',
    { timeout: 60_000 },
    async () => {
      const keyPrefix = prefix();
      const send = await apiInstance(2, 0, keyPrefix);
      const ips = Array.from({ length: 30 }, (_, i) => `203.0.113.${i + 1}`);
      // Every client uses up its limit while the cluster is healthy.
      for (const ip of ips) {
        await send(ip);
        await send(ip);
      }
      expect((await send(ips[0] ?? '')).status).toBe(429);

      const victim = cluster.nodes[1];
      if (!victim) throw new Error('node expected');
      await victim.stop('SIGKILL');
      // Some clients' keys lived on the dead node: those are let through, never a 5xx.
      let failedOpen = 0;
      for (let round = 0; round < 2; round++) {
        for (const ip of ips) {
          const response = await send(ip);
          expect([201, 429]).toContain(response.status);
          if (response.status === 201) failedOpen += 1;
        }
      }
      expect(failedOpen).toBeGreaterThan(0);

      await victim.start();
      await cluster.waitUntilHealthy();
      // Limiting resumes by itself: every client is eventually refused again.
      await waitFor(
        async () => {
          const statuses = await Promise.all(ips.map(async (ip) => (await send(ip)).status));
          return statuses.every((status) => status === 429);
        },
        { timeoutMs: 20_000, intervalMs: 200, what: 'limiting to resume on every key' },
      );
    },
  );
});
