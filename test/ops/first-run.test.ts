import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/free-port.js';
import { PROJECT_ROOT } from '../../scripts/lib/node-process.js';
import { TEST_API_SECRET } from '../helpers/api-keys.js';
import { killIfAlive, readPid } from '../helpers/processes.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { runScript } from '../helpers/run-script.js';

// What a new user meets on the first run: the scripts, the start commands, the bench's help.

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A loopback port held by this process until the test ends, as a running `npm run dev` would hold it. */
async function heldPort(): Promise<number> {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => blocker.close(resolve)));
  return (blocker.address() as AddressInfo).port;
}

function tempDir(): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-first-run-')));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('the start scripts', () => {
  it('are committed with their run bit', () => {
    // Only the scripts users run; scripts/lib/*.sh are sourced.
    const modes = execFileSync('git', ['ls-files', '-s', 'scripts/'], { cwd: PROJECT_ROOT, encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter((line) => /\tscripts\/[^/]+\.sh$/.test(line));
    expect(modes.length).toBeGreaterThanOrEqual(3);
    for (const line of modes) expect(line.startsWith('100755 '), line).toBe(true);
    for (const file of ['start-redis.sh', 'start-redis-insight.sh', 'start-redis-cluster.sh']) {
      expect(statSync(path.join(PROJECT_ROOT, 'scripts', file)).mode & 0o111).not.toBe(0);
    }
  });

  it('start-redis.sh takes its port from REDIS_JOBQUEUE_ADDR, refuses a second server in the same data directory, and stop/status find the first without variables', async () => {
    const dataDir = tempDir();
    const [first, second] = [await freePort(), await freePort()];
    const base = { REDIS_START_MODE: 'local', REDIS_DATA_DIR: dataDir };
    cleanup.push(() => {
      killIfAlive(readPid(path.join(dataDir, `redis-server-${first}.pid`)));
      killIfAlive(readPid(path.join(dataDir, `redis-server-${second}.pid`)));
    });

    const started = await runScript('start-redis.sh', ['start'], {
      ...base,
      REDIS_JOBQUEUE_ADDR: `localhost:${first}`,
    });
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain(`on 127.0.0.1:${first}`);

    const refused = await runScript('start-redis.sh', ['start'], {
      ...base,
      REDIS_JOBQUEUE_ADDR: `localhost:${second}`,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`is already the data directory of the Redis on port ${first}`);
    expect(refused.stderr).toContain(`REDIS_DATA_DIR=redis/data/jobqueue-${second}`);
    expect(readPid(path.join(dataDir, `redis-server-${second}.pid`))).toBeUndefined();

    const status = await runScript('start-redis.sh', ['status'], base);
    expect(status.stdout).toContain(`running: local redis-server`);
    expect(status.stdout).toContain(`127.0.0.1:${first}`);
    const stopped = await runScript('start-redis.sh', ['stop'], base);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain('stopped local redis-server');
  });

  it('start-redis.sh refuses an address on another machine', async () => {
    const result = await runScript('start-redis.sh', ['start'], {
      REDIS_START_MODE: 'local',
      REDIS_DATA_DIR: tempDir(),
      REDIS_JOBQUEUE_ADDR: 'redis.internal:6379',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('on another machine');
  });
});

describe('the start commands', () => {
  it('npm run start:api before npm run build says to build first, without a stack trace', () => {
    const result = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts/check-built.mjs'), 'no-such-entry'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'dist/no-such-entry.js does not exist yet: run npm run build first (or npm run dev to run from the sources)\n',
    );
  });

  it('npm run dev with the API port taken says which port and how to choose another, and stops before printing URLs', async () => {
    const port = await heldPort();
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/dev.ts')], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, APP_ENV: 'test', SERVER_PORT: String(port), JOBQUEUE_PORT: String(await freePort()) },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`port ${port} on 127.0.0.1 (for the API) is already in use by another program`);
    expect(result.stderr).toContain(`SERVER_PORT=${port + 10} npm run dev`);
    expect(result.stdout).not.toContain('http://');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('npm run demo registers a job and sees it run, next to a running npm run dev (its logins set, the dashboard port taken)', async () => {
    const redis = await startRedisServer();
    cleanup.push(() => redis.destroy());
    const adminPort = await heldPort();
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/demo.ts')], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        APP_ENV: 'develop',
        // Set, so the demo writes nothing into the working tree's .env.develop.local.
        API_SECRET_KEY: TEST_API_SECRET,
        REDIS_JOBQUEUE_ADDR: redis.addr,
        ADMIN_USER: 'admin',
        ADMIN_PASSWORD: 'develop-only-login',
        ADMIN_PORT: String(adminPort),
        METRICS_USER: 'metrics',
        METRICS_PASSWORD: 'develop-only-scrape',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/the worker printed: .*Hello from npm run demo/);
    expect(result.stdout).toContain('the queue dashboard is off');
    expect(result.stdout).toContain('metrics (/metrics) are off');
  });

  it('npm run bench -- --help prints usage and starts nothing', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'bench/run.ts'), '--help'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^usage: npm run bench/);
    expect(result.stdout).toContain('BENCH_ONLY');
    expect(result.stdout).not.toContain('[bench]');
  });
});
