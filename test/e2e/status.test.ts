import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../scripts/lib/node-process.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startSentinelSetup } from '../helpers/redis-sentinel.js';
import { startStack } from '../helpers/stack.js';

interface StatusReport {
  ok: boolean;
  status: 'ok' | 'down' | 'unsafe';
  checks: { name: string; address: string; state: 'up' | 'down' | 'unsafe'; detail: string }[];
}

function runStatus(
  env: Record<string, string>,
  args: string[] = ['--json'],
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/status.ts', ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, APP_ENV: 'test', ...env },
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.once('exit', (code) => resolve({ code, stdout }));
  });
}

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** The API and worker on `redis`, and the environment that points npm run status at all three. */
async function stackOn(redis: RedisServer) {
  const stack = await startStack(redis, 'status');
  cleanup.push(() => stack.stop());
  return {
    REDIS_JOBQUEUE_ADDR: redis.addr,
    SERVER_PORT: new URL(stack.baseUrl).port,
    JOBQUEUE_PORT: new URL(stack.healthUrl).port,
    JOBQUEUE_QUEUE_NAME: stack.queue.name,
  };
}

const UNSAFE = 'AOF is off: jobs are lost when it restarts (appendonly yes); maxmemory-policy allkeys-lru evicts jobs';

describe('npm run status', () => {
  it('reports every part up, with the queue counts and connected workers, and exits 0', async () => {
    const redis = await startRedisServer({ appendonly: true });
    cleanup.push(() => redis.destroy());
    const { code, stdout } = await runStatus(await stackOn(redis));
    const report = JSON.parse(stdout) as StatusReport;
    expect(report.checks.map((check) => [check.name, check.state])).toEqual([
      ['API liveness', 'up'],
      ['API readiness', 'up'],
      ['worker liveness', 'up'],
      ['worker readiness', 'up'],
      ['job-queue Redis', 'up'],
      ['job-queue Redis setup', 'up'],
      ['queue', 'up'],
    ]);
    expect(report.checks.find((check) => check.name === 'queue')?.detail).toMatch(
      /delayed 0, .*; [1-9]\d* worker connection\(s\)$/,
    );
    expect(report).toMatchObject({ ok: true, status: 'ok' });
    expect(code).toBe(0);
  });

  it('exits 1 when a part is down (the API and worker), with a Redis fit for a queue', async () => {
    const redis = await startRedisServer({ appendonly: true });
    cleanup.push(() => redis.destroy());
    const { code, stdout } = await runStatus(
      { REDIS_JOBQUEUE_ADDR: redis.addr, SERVER_PORT: '1', JOBQUEUE_PORT: '2' },
      [],
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/^DOWN {2}API liveness/m);
    expect(stdout).toMatch(/^DOWN {2}worker readiness/m);
    expect(stdout).toMatch(/^up {4}job-queue Redis setup .*fit for a queue/m);
    expect(stdout).not.toMatch(/^WARN/m);
    expect(stdout).toContain('status: DOWN: a required part is down (exit 1)');
  });

  it('exits 2 with everything up on a Redis that can lose jobs (no AOF, an evicting policy): a warning, not DOWN', async () => {
    const redis = await startRedisServer({ appendonly: false, extraArgs: ['--maxmemory-policy', 'allkeys-lru'] });
    cleanup.push(() => redis.destroy());
    const env = await stackOn(redis);
    const { code, stdout } = await runStatus(env, []);
    expect(code).toBe(2);
    expect(stdout).not.toMatch(/^DOWN/m);
    expect(stdout.split('\n').find((line) => line.startsWith('WARN  job-queue Redis setup'))).toContain(UNSAFE);
    expect(stdout).toMatch(/^up {4}API liveness/m);
    expect(stdout).toContain('status: up, but the job-queue Redis is unsafe for a queue: it can lose jobs');
    const json = await runStatus(env);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, status: 'unsafe' });
  });

  it('exits 1 when a part is down on an unsafe Redis too, showing both', async () => {
    const redis = await startRedisServer({ appendonly: false });
    cleanup.push(() => redis.destroy());
    const { code, stdout } = await runStatus(
      { REDIS_JOBQUEUE_ADDR: redis.addr, SERVER_PORT: '1', JOBQUEUE_PORT: '2' },
      [],
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/^DOWN {2}API liveness/m);
    expect(stdout).toMatch(/^WARN {2}job-queue Redis setup .*AOF is off/m);
    expect(stdout).toMatch(/^up {4}job-queue Redis /m);
    expect(stdout).toContain('status: DOWN');
  });

  it('exits 3, not 1 or 2, when it cannot check at all (a configuration error)', async () => {
    const { code } = await runStatus({ REDIS_JOBQUEUE_ADDR: 'not an address' }, []);
    expect(code).toBe(3);
  });

  it('with Sentinel: names the master the sentinels chose, its role and replicas, and flags replica_ack.replicas above them', async () => {
    const setup = await startSentinelSetup({ replicas: 1 });
    cleanup.push(() => setup.destroy());
    const env = { ...setup.env, SERVER_PORT: '1', JOBQUEUE_PORT: '2' };
    const report = JSON.parse((await runStatus(env)).stdout) as StatusReport;
    const redis = report.checks.find((check) => check.name === 'job-queue Redis');
    expect(redis?.address).toBe(`sentinel master "${setup.name}" via ${setup.sentinelAddrs.join(',')}`);
    expect(redis?.detail).toMatch(
      new RegExp(`^master 127\\.0\\.0\\.1:${setup.nodes[0]?.port ?? 0}, Redis [\\d.]+, role master, 1 replica\\(s\\)`),
    );
    expect(report.checks.find((check) => check.name === 'job-queue Redis setup')?.state).toBe('up');
    const strict = JSON.parse((await runStatus({ ...env, REDIS_JOBQUEUE_ACK_REPLICAS: '2' })).stdout) as StatusReport;
    expect(strict.checks.find((check) => check.name === 'job-queue Redis setup')).toMatchObject({
      state: 'down',
      detail: 'replica_ack.replicas is 2 but 1 replica(s) are connected: registrations answer 503',
    });
    expect(strict.status).toBe('down');
  });
});
