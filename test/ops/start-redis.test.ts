import { createTestApp } from '../helpers/test-app.js';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/infra/log.js';
import { createBullmqProducer } from '../../src/infra/queue/bullmq-queue.js';
import { createLazyQueue } from '../../src/infra/queue/bullmq-queue.js';
import { createJobWorker } from '../../src/infra/queue/bullmq-worker.js';
import { producerRedisOptions, workerRedisOptions } from '../../src/infra/redis/connection.js';
import { createJobRegistry, jobDefinitions } from '../../src/jobs/registry.js';
import { freePort } from '../../scripts/lib/free-port.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { isAlive, killIfAlive, readPid, redisServersOnPort } from '../helpers/processes.js';
import { redisConfigFor, uniqueQueueName } from '../helpers/redis-config.js';
import { runScript } from '../helpers/run-script.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { AUTH_HEADERS } from '../helpers/api-keys.js';

// scripts/start-redis.sh run for real through its local fallback
// (REDIS_START_MODE=local), each test on its own free port and data directory.

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function scriptRedis() {
  const port = await freePort();
  const dataDir = realpathSync(mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-start-redis-')));
  const env = { REDIS_START_MODE: 'local', REDIS_PORT: String(port), REDIS_DATA_DIR: dataDir };
  const pidFile = path.join(dataDir, `redis-server-${port}.pid`);
  const seenPids = new Set<number>();
  const run = async (command: 'start' | 'stop' | 'status') => {
    const result = await runScript('start-redis.sh', [command], env);
    const pid = readPid(pidFile);
    if (pid !== undefined) seenPids.add(pid);
    return result;
  };
  cleanup.push(async () => {
    await run('stop');
    seenPids.forEach(killIfAlive);
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { port, dataDir, pidFile, run };
}

/** The register API wired as the server does, over a real ioredis client. */
async function apiFor(port: number) {
  const queueName = uniqueQueueName('ops');
  const client = new Redis(producerRedisOptions(redisConfigFor(port)));
  client.on('error', () => undefined);
  const logger = createSilentLogger();
  const queue = createLazyQueue({ client, location: { name: queueName, prefix: 'bull' }, logger });
  const producer = createBullmqProducer({ queue, logger });
  const app = createTestApp({ producer, logger, bodyLimitBytes: 16_384 });
  cleanup.push(async () => {
    await queue.close().catch(() => undefined);
    client.disconnect();
  });
  await waitFor(() => client.status === 'ready', { what: 'the producer connection' });
  const register = async (body: unknown) => {
    const response = await app.request('/api/dm-jobqueue/register', {
      method: 'POST',
      headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { job_id: string; run_at: string } };
  };
  return { queueName, register };
}

function inspectorFor(port: number, queueName: string): Queue {
  const queue = new Queue(queueName, { connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null } });
  queue.on('error', () => undefined);
  cleanup.push(() => queue.close());
  return queue;
}

describe('scripts/start-redis.sh (local fallback)', () => {
  it('start, status, stop and a second start tell the truth and leave no process behind', async () => {
    const redis = await scriptRedis();
    const before = await redis.run('status');
    expect(before.code).toBe(3);
    expect(before.stdout).toMatch(/not running on port/);

    const started = await redis.run('start');
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain(`data in ${redis.dataDir}`);
    expect(started.stdout).toMatch(/AOF on/);
    const admin = new Redis({ port: redis.port, lazyConnect: true });
    cleanup.push(() => admin.disconnect());
    expect(await admin.ping()).toBe('PONG');
    console.log(
      `[figures] start-redis.sh start -> PING answered: ${started.ms} ms (local redis-server, empty data dir)`,
    );
    expect(await admin.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await admin.config('GET', 'appendfsync')).toEqual(['appendfsync', 'everysec']);
    expect(await admin.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    expect(await admin.config('GET', 'dir')).toEqual(['dir', redis.dataDir]);
    admin.disconnect();

    const pid = readPid(redis.pidFile);
    expect(pid).toBeDefined();
    const status = await redis.run('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(
      `running: local redis-server (pid ${pid}) on 127.0.0.1:${redis.port}, appendonly=yes`,
    );

    const again = await redis.run('start');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already running.*starting nothing/);
    expect(readPid(redis.pidFile)).toBe(pid);
    expect(redisServersOnPort(redis.port)).toHaveLength(1);

    const stopped = await redis.run('stop');
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/stopped local redis-server.*data kept in/);
    expect(isAlive(pid ?? 0)).toBe(false);
    expect(redisServersOnPort(redis.port)).toEqual([]);
    expect((await redis.run('status')).code).toBe(3);
    expect((await redis.run('stop')).stdout).toMatch(/nothing to stop/);
  });

  it('starts nothing, and stops nothing, when another server already answers on the port', async () => {
    const foreign = await startRedisServer();
    cleanup.push(() => foreign.destroy());
    const dataDir = realpathSync(mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-start-redis-')));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = { REDIS_START_MODE: 'local', REDIS_PORT: String(foreign.port), REDIS_DATA_DIR: dataDir };

    const start = await runScript('start-redis.sh', ['start'], env);
    expect(start.code).toBe(0);
    expect(start.stdout).toMatch(/already answers on 127\.0\.0\.1:\d+; starting nothing/);
    expect(redisServersOnPort(foreign.port)).toHaveLength(1);

    const status = await runScript('start-redis.sh', ['status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/not started by this script/);

    const stop = await runScript('start-redis.sh', ['stop'], env);
    expect(stop.code).toBe(1);
    expect(stop.stderr).toMatch(/not started by this script.*not stopping it/);
    expect(redisServersOnPort(foreign.port)).toHaveLength(1);
  });

  it('a delayed job registered through the API survives stop and start and runs when due (D1)', async () => {
    const redis = await scriptRedis();
    expect((await redis.run('start')).code).toBe(0);
    const api = await apiFor(redis.port);
    const message = `survives a restart ${Date.now()}`;
    const registered = await api.register({ message, delay_seconds: 4 });
    expect(registered.status).toBe(201);
    const jobId = registered.body.job_id;
    const runAt = Date.parse(registered.body.run_at);

    const stopped = await redis.run('stop');
    expect(stopped.code).toBe(0);
    expect(redisServersOnPort(redis.port)).toEqual([]);
    const restarted = await redis.run('start');
    expect(restarted.code, restarted.stderr).toBe(0);
    console.log(
      `[figures] start-redis.sh start -> PING answered: ${restarted.ms} ms (local redis-server, loading its AOF)`,
    );

    const queue = inspectorFor(redis.port, api.queueName);
    expect(await queue.getJobState(jobId)).toBe('delayed');

    const printed: string[] = [];
    const logger = createSilentLogger();
    const worker = createJobWorker({
      location: { name: api.queueName, prefix: 'bull' },
      connection: workerRedisOptions(redisConfigFor(redis.port)),
      redisLabel: `127.0.0.1:${redis.port}`,
      registry: createJobRegistry(jobDefinitions),
      jobDeps: { print: (line) => printed.push(line), now: () => new Date(), logger },
      settings: {
        concurrency: 1,
        keep_completed: { count: 100, age_seconds: 3600 },
        keep_failed: { count: 100, age_seconds: 3600 },
      },
      logger,
    });
    const running = worker.run();
    cleanup.push(async () => {
      await worker.close();
      await running.catch(() => undefined);
    });

    await waitFor(async () => (await queue.getJobState(jobId)) === 'completed', {
      timeoutMs: 20_000,
      what: 'the job to complete',
    });
    const job = await queue.getJob(jobId);
    expect(job?.processedOn).toBeGreaterThanOrEqual(runAt);
    expect(printed.filter((line) => line.endsWith(`] ${message}`))).toHaveLength(1);
  });

  it('SIGKILL while registrations are acknowledged: every job acknowledged over 2 s before the kill survives (appendfsync everysec)', async () => {
    const redis = await scriptRedis();
    expect((await redis.run('start')).code).toBe(0);
    const api = await apiFor(redis.port);
    const pid = readPid(redis.pidFile);
    if (pid === undefined) throw new Error('no pidfile after start');

    const acked: { id: string; at: number }[] = [];
    const crash: { at?: number } = {};
    const loop = async () => {
      for (;;) {
        const { status, body } = await api.register({ message: 'crash test', delay_seconds: 3600 });
        const at = performance.now();
        if (status === 201) acked.push({ id: body.job_id, at });
        else if (crash.at !== undefined)
          return; // Redis is gone: 503 from now on
        else throw new Error(`register answered ${status} before the kill`);
      }
    };
    const loops = Promise.all(Array.from({ length: 4 }, loop));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    crash.at = performance.now();
    process.kill(pid, 'SIGKILL');
    await loops;
    await waitFor(() => !isAlive(pid), { what: 'redis-server to die' });

    const restarted = await redis.run('start');
    expect(restarted.code, restarted.stderr).toBe(0);
    const queue = inspectorFor(redis.port, api.queueName);
    const surviving = new Set(await queue.getRanges(['delayed'], 0, -1));
    const kill = crash.at;
    const lost = acked.filter((job) => !surviving.has(job.id));
    const beforeKill = acked.filter((job) => job.at <= kill);
    const lastSurviving = Math.max(...beforeKill.filter((job) => surviving.has(job.id)).map((job) => job.at));
    const earliestLost = lost.length > 0 ? Math.min(...lost.map((job) => job.at)) : undefined;
    console.log(
      `[figures] SIGKILL test: ${acked.length} jobs acknowledged with 201 in ~3 s (${acked.length - beforeKill.length} of them after the kill signal was sent), ` +
        `${lost.length} lost after restart; last surviving ack ${Math.round(kill - lastSurviving)} ms before the kill` +
        (earliestLost === undefined ? '' : `; lost acks from ${Math.round(kill - earliestLost)} ms before the kill`) +
        `; restart -> PING ${restarted.ms} ms`,
    );

    expect(acked.length).toBeGreaterThan(100);
    expect(lost.filter((job) => job.at < kill - 2000)).toEqual([]);
  });
});
