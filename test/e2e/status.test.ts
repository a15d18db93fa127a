import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../scripts/lib/node-process.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { startSentinelSetup } from '../helpers/redis-sentinel.js';
import { startStack } from '../helpers/stack.js';

interface StatusReport {
  ok: boolean;
  checks: { name: string; address: string; up: boolean; detail: string }[];
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

describe('npm run status', () => {
  it('reports every part up, with the queue counts and connected workers, and exits 0', async () => {
    const redis = await startRedisServer({ appendonly: true });
    cleanup.push(() => redis.destroy());
    const stack = await startStack(redis, 'status');
    cleanup.push(() => stack.stop());
    const [apiPort, workerPort] = [new URL(stack.baseUrl).port, new URL(stack.healthUrl).port];
    const env = {
      REDIS_JOBQUEUE_ADDR: redis.addr,
      SERVER_PORT: apiPort,
      JOBQUEUE_PORT: workerPort,
      JOBQUEUE_QUEUE_NAME: /"queue":"([^"]+)"/.exec(stack.worker.stdout.join('\n'))?.[1] ?? '',
    };
    const { code, stdout } = await runStatus(env);
    const report = JSON.parse(stdout) as StatusReport;
    expect(report.checks.map((check) => [check.name, check.up])).toEqual([
      ['API liveness', true],
      ['API readiness', true],
      ['worker liveness', true],
      ['worker readiness', true],
      ['job-queue Redis', true],
      ['job-queue Redis setup', true],
      ['queue', true],
    ]);
    expect(report.checks.find((check) => check.name === 'queue')?.detail).toMatch(
      /delayed 0, .*; [1-9]\d* worker connection\(s\)$/,
    );
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
  });

  it('exits 1 naming what is wrong: the API and worker down, a Redis without AOF', async () => {
    const redis = await startRedisServer({ appendonly: false });
    cleanup.push(() => redis.destroy());
    const { code, stdout } = await runStatus(
      { REDIS_JOBQUEUE_ADDR: redis.addr, SERVER_PORT: '1', JOBQUEUE_PORT: '2' },
      [],
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/^DOWN {2}API liveness/m);
    expect(stdout).toMatch(/^DOWN {2}job-queue Redis setup .*AOF is off/m);
    expect(stdout).toMatch(/^up {4}job-queue Redis /m);
    expect(stdout).toContain('status: a required part is down or misconfigured');
  });

  it('with Sentinel: names the master the sentinels chose, its role and replicas, and flags ack_replicas above them', async () => {
    const setup = await startSentinelSetup({ replicas: 1 });
    cleanup.push(() => setup.destroy());
    const env = { ...setup.env, SERVER_PORT: '1', JOBQUEUE_PORT: '2' };
    const report = JSON.parse((await runStatus(env)).stdout) as StatusReport;
    const redis = report.checks.find((check) => check.name === 'job-queue Redis');
    expect(redis?.address).toBe(`sentinel master "${setup.name}" via ${setup.sentinelAddrs.join(',')}`);
    expect(redis?.detail).toMatch(
      new RegExp(`^master 127\\.0\\.0\\.1:${setup.nodes[0]?.port ?? 0}, Redis [\\d.]+, role master, 1 replica\\(s\\)`),
    );
    expect(report.checks.find((check) => check.name === 'job-queue Redis setup')?.up).toBe(true);
    const strict = JSON.parse((await runStatus({ ...env, REDIS_JOBQUEUE_ACK_REPLICAS: '2' })).stdout) as StatusReport;
    expect(strict.checks.find((check) => check.name === 'job-queue Redis setup')?.detail).toBe(
      'ack_replicas is 2 but 1 replica(s) are connected: registrations answer 503',
    );
  });
});
