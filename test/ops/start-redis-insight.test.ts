import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../../src/infra/config/load-config.js';
import type { Config } from '../../src/infra/config/schema.js';
import { freePort } from '../../scripts/lib/free-port.js';
import { formatTargetLines, insightTarget } from '../../scripts/lib/redis-insight-target.js';
import { runScript } from '../helpers/run-script.js';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A copy of config/ whose develop/cacheserver.yaml is `cacheserver`. */
function configDir(cacheserver: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-insight-config-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(DEFAULT_CONFIG_DIR, dir, { recursive: true });
  writeFileSync(path.join(dir, 'develop', 'cacheserver.yaml'), cacheserver);
  return dir;
}

function config(environment: NodeJS.ProcessEnv): Config {
  return loadConfig({ environment, dotenv: false });
}

describe('the Redis Insight connection derived from cacheserver.yaml', () => {
  it('uses the Redis service on the shared network when Redis is on this host', () => {
    const target = insightTarget(config({}));
    expect(target).toMatchObject({ mode: 'same-host', configuredAddr: 'localhost:6379', notes: [] });
    expect(target.env).toEqual({
      RI_REDIS_HOST: 'redis-jobqueue',
      RI_REDIS_PORT: '6379',
      RI_REDIS_ALIAS: 'dm-jobqueue develop (localhost:6379)',
      RI_REDIS_DB: '0',
      RI_REDIS_TLS: 'false',
    });
    expect(insightTarget(config({ REDIS_JOBQUEUE_ADDR: '127.0.0.1:6380' })).mode).toBe('same-host');
    expect(insightTarget(config({ REDIS_JOBQUEUE_ADDR: '[::1]:6380' })).configuredAddr).toBe('[::1]:6380');
  });

  it('connects to host:port directly when Redis is on another server (D2), with its ACL user and password', () => {
    const target = insightTarget(config({ APP_ENV: 'staging', REDIS_JOBQUEUE_PASSWORD: 's3cret' }));
    expect(target.mode).toBe('remote');
    expect(target.env).toMatchObject({
      RI_REDIS_HOST: 'redis-jobqueue.staging.internal',
      RI_REDIS_PORT: '6379',
      RI_REDIS_USERNAME: 'dm-jobqueue',
      RI_REDIS_PASSWORD: 's3cret',
      RI_REDIS_TLS: 'false',
    });
  });

  it('turns TLS on and says that a CA file must be mounted', () => {
    const base = config({ REDIS_JOBQUEUE_ADDR: 'redis.internal:6380' });
    const withCa: Config = {
      ...base,
      cache: {
        ...base.cache,
        redis: {
          ...base.cache.redis,
          jobqueue: { ...base.cache.redis.jobqueue, tls: { ca_file: '/etc/ca.pem', reject_unauthorized: true } },
        },
      },
    };
    const target = insightTarget(withCa);
    expect(target.env.RI_REDIS_TLS).toBe('true');
    expect(target.notes.join('\n')).toMatch(/ca_file \(\/etc\/ca\.pem\).*RI_REDIS_TLS_CA_PATH/);
  });

  it('refuses a value that would break the line format', () => {
    const target = insightTarget(config({}));
    expect(() =>
      formatTargetLines({ ...target, env: { ...target.env, RI_REDIS_ALIAS: 'a\nMODE=remote' } }, 'x'),
    ).toThrow(/line break/);
  });
});

describe('scripts/start-redis-insight.sh without a Docker engine', () => {
  async function insightEnv(extra: Record<string, string> = {}) {
    return { REDIS_START_MODE: 'local', REDIS_INSIGHT_PORT: String(await freePort()), ...extra };
  }

  it('prints the address read from config/test/cacheserver.yaml and exits non-zero with instructions', async () => {
    const result = await runScript('start-redis-insight.sh', ['start'], await insightEnv({ APP_ENV: 'test' }));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'job-queue Redis: 127.0.0.1:6390 (from redis.jobqueue.addr in config/test/cacheserver.yaml, APP_ENV=test)',
    );
    expect(result.stderr).toMatch(/no Docker engine answers here.*nothing was started/);
    expect(result.stderr).toMatch(/install the Redis Insight desktop app/);
    expect(result.stderr).toContain('host 127.0.0.1, port 6390, database index 0, TLS false');
  });

  it('gives the remote address from another configuration, and never prints the password', async () => {
    const dir = configDir(
      'redis:\n  jobqueue:\n    addr: "redis.example.internal:6380"\n    username: "ops"\n    db: 2\n',
    );
    const result = await runScript(
      'start-redis-insight.sh',
      ['start'],
      await insightEnv({ CONFIG_DIR: dir, REDIS_JOBQUEUE_PASSWORD: 'pa55-word' }),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `job-queue Redis: redis.example.internal:6380 (from redis.jobqueue.addr in ${path.join(dir, 'develop', 'cacheserver.yaml')}`,
    );
    expect(result.stderr).toContain(
      'host redis.example.internal, port 6380, database index 2, TLS false, username ops, password: the value of REDIS_JOBQUEUE_PASSWORD',
    );
    expect(result.stdout + result.stderr).not.toContain('pa55-word');
  });

  it('says when REDIS_JOBQUEUE_ADDR overrides the file', async () => {
    const result = await runScript(
      'start-redis-insight.sh',
      ['start'],
      await insightEnv({ REDIS_JOBQUEUE_ADDR: '10.1.2.3:6379' }),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'job-queue Redis: 10.1.2.3:6379 (from REDIS_JOBQUEUE_ADDR (overrides redis.jobqueue.addr in config/develop/cacheserver.yaml)',
    );
  });

  it('fails naming the file and key when the address is bad', async () => {
    const dir = configDir('redis:\n  jobqueue:\n    addr: "no-port"\n');
    const result = await runScript('start-redis-insight.sh', ['start'], await insightEnv({ CONFIG_DIR: dir }));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cacheserver\.yaml: redis\.jobqueue\.addr: must be "host:port"/);
  });

  it('status says not running (3), stop has nothing to stop (0), and start leaves a busy port alone', async () => {
    const env = await insightEnv({ APP_ENV: 'test' });
    const status = await runScript('start-redis-insight.sh', ['status'], env);
    expect(status.code).toBe(3);
    expect(status.stdout).toContain(`not running on 127.0.0.1:${env.REDIS_INSIGHT_PORT}`);
    expect((await runScript('start-redis-insight.sh', ['stop'], env)).code).toBe(0);

    const busy = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => busy.listen(Number(env.REDIS_INSIGHT_PORT), '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => busy.close(resolve)));
    const start = await runScript('start-redis-insight.sh', ['start'], env);
    expect(start.code).toBe(0);
    expect(start.stdout).toContain(
      `something already answers on 127.0.0.1:${env.REDIS_INSIGHT_PORT}; starting nothing`,
    );
  });
});
