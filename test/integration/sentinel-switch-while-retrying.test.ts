import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { createApi } from '../../src/server.js';
import { createWorkerService } from '../../src/worker.js';
import { AUTH_HEADERS, TEST_API_SECRET } from '../helpers/api-keys.js';
import { withRedis } from '../helpers/redis-ask.js';
import { uniqueQueueName } from '../helpers/redis-config.js';
import { startSentinelSetup } from '../helpers/redis-sentinel.js';
import { configWithRateLimit } from '../helpers/test-config.js';

/** Every log line's message, in order (debug level: the connection errors are logged there). */
function capturingLogger() {
  const messages: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
        messages.push(`${entry.msg ?? ''} ${entry.err?.message ?? ''}`);
      }
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), messages };
}

/**
 * The race of issue 27, made deterministic: the master dies, the clients walk through the
 * sentinels (which still name the dead master) until ioredis sleeps before "retrying from scratch",
 * and only then does `+switch-master` arrive (a forced `SENTINEL FAILOVER`; down-after is too long for
 * the sentinel to fail over by itself). The reconnect delay is long enough for the switch to land inside
 * that sleep every time. ioredis 6.0.0 ended the client there ("Connection is closed.", status `end`):
 * 503 for good.
 */
describe('a Sentinel switch that arrives while the clients retry through the sentinels', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });

  it('the API registers again within 15 s of the switch, and the worker runs a job registered after it', async () => {
    const setup = await startSentinelSetup({ sentinels: 1, downAfterMs: 60_000, failoverTimeoutMs: 10_000 });
    cleanup.push(() => setup.destroy());
    const config = configWithRateLimit({ enabled: false });
    config.cache.redis.jobqueue = {
      ...config.cache.redis.jobqueue,
      addr: undefined,
      sentinel: { name: setup.name, addrs: [{ host: '127.0.0.1', port: setup.sentinels[0]!.port }], tls: false },
      // Slow reconnects: ioredis sleeps this long before it asks the sentinels again, and the switch lands inside it.
      retry: { min_delay_ms: 3000, max_delay_ms: 3000 },
    };
    config.app.jobqueue.queue_name = uniqueQueueName('switch');
    config.app.jobqueue.port = 0;
    config.secrets.apiSecretKey = TEST_API_SECRET;
    const { logger, messages } = capturingLogger();
    const api = createApi({ config, logger });
    cleanup.push(() => api.close());
    await api.firstConnection;
    const printed: string[] = [];
    const worker = createWorkerService({
      config,
      logger,
      jobDeps: { print: (line) => void printed.push(line), now: () => new Date(), logger },
    });
    cleanup.push(() => worker.stop());
    await worker.start();

    const register = (message: string) =>
      api.app.request('/api/dm-jobqueue/register', {
        method: 'POST',
        headers: { ...AUTH_HEADERS, 'Content-Type': 'application/json' },
        body: JSON.stringify({ delay_seconds: 0, message }),
      });
    expect((await register('before the kill')).status).toBe(201);
    await waitFor(() => printed.some((line) => line.includes('before the kill')), { what: 'the first job to run' });

    const master = await setup.masterPort();
    await setup.node(master).stop('SIGKILL');
    // The first refused reconnect comes one retry delay (3 s) after the kill. ioredis 6.0.0 then sleeps
    // "before retrying from scratch" on its next attempt (3 s later); 6.1.0 asks the sentinel again
    // instead, so for it the switch is forced 4 s after the first refusal, while it retries.
    await waitFor(() => messages.some((message) => message.includes('ECONNREFUSED')), {
      timeoutMs: 20_000,
      what: 'the clients to retry the dead master',
    });
    const fallback = Date.now() + 4000;
    await waitFor(
      () => messages.some((message) => message.includes('All sentinels are unreachable')) || Date.now() > fallback,
      {
        timeoutMs: 10_000,
        intervalMs: 10,
      },
    );
    await withRedis(setup.sentinels[0]!.port, (client) => client.call('SENTINEL', 'FAILOVER', setup.name));
    const switchedAt = Date.now();
    await setup.waitForNewMaster(master, 10_000);

    const answered = await waitFor(
      async () => ((await register('after the switch')).status === 201 ? Date.now() - switchedAt : undefined),
      { timeoutMs: 15_000, intervalMs: 250, what: 'a 201 after the switch' },
    );
    expect(answered).toBeLessThan(15_000);
    await waitFor(() => printed.some((line) => line.includes('after the switch')), {
      timeoutMs: 15_000,
      what: 'the worker to run the job registered after the switch',
    });
    expect((await api.app.request('/ready')).status).toBe(200);
    // Recovered by ioredis itself: no client ended and had to be reopened (reopenWhenEnded's safety net has
    // its own test). With ioredis 6.0.0 this fails: its clients end in this race.
    expect(messages.filter((message) => message.includes('stopped reconnecting by itself'))).toEqual([]);
  }, 90_000);
});
