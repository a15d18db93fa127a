import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configDir, failure, load } from '../../../test/helpers/config-files.js';
import { DEFAULT_CONFIG_DIR } from './load-config.js';

describe('loadConfig', () => {
  it.for(['develop', 'staging', 'test'] as const)('loads the shipped %s files', (env) => {
    const config = load({ APP_ENV: env });
    expect(config.env).toBe(env);
    expect(config.app.server.port).toBeGreaterThan(0);
    expect(config.cache.redis.jobqueue.addr?.port).toBeGreaterThan(0);
  });

  it('defaults to develop, with the spec ports and a memory-backed rate limit', () => {
    const config = load({});
    expect(config.env).toBe('develop');
    expect(config.app.server.port).toBe(8080);
    expect(config.app.jobqueue.port).toBe(8082);
    expect(config.cache.redis.jobqueue.addr).toEqual({ host: 'localhost', port: 6379 });
    expect(config.app.api.rate_limit).toEqual({
      enabled: true,
      requests_per_minute: 60,
      requests_per_hour: 1000,
      storage_type: 'auto',
    });
  });

  it('loads the production examples once they are copied into place', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dm-config-'));
    cpSync(DEFAULT_CONFIG_DIR, dir, { recursive: true });
    for (const name of ['config', 'cacheserver']) {
      cpSync(path.join(dir, 'production', `${name}.yaml.example`), path.join(dir, 'production', `${name}.yaml`));
    }
    const config = load({ APP_ENV: 'production' }, dir);
    expect(config.cache.redis.jobqueue.tls).toBe(true);
  });

  it('says to copy the example when a production file is missing', () => {
    const error = failure(() => load({ APP_ENV: 'production' }));
    expect(error.message).toMatch(
      /production\/config\.yaml: file not found \(copy config\.yaml\.example and adjust it\)/,
    );
  });

  it('applies the documented environment overrides', () => {
    const config = load({
      REDIS_JOBQUEUE_ADDR: 'redis.internal:6380',
      REDIS_JOBQUEUE_PASSWORD: 's3cret',
      SERVER_PORT: '9000',
      JOBQUEUE_PORT: '9002',
    });
    expect(config.cache.redis.jobqueue.addr).toEqual({ host: 'redis.internal', port: 6380 });
    expect(config.cache.redis.jobqueue.password).toBe('s3cret');
    expect(config.app.server.port).toBe(9000);
    expect(config.app.jobqueue.port).toBe(9002);
  });

  it("defaults the job locks to BullMQ's 30 s and takes them from the environment", () => {
    expect(load({}).app.jobqueue).toMatchObject({ lock_duration_ms: 30_000, stalled_interval_ms: 30_000 });
    const config = load({ JOBQUEUE_LOCK_DURATION_MS: '2000', JOBQUEUE_STALLED_INTERVAL_MS: '1000' });
    expect(config.app.jobqueue).toMatchObject({ lock_duration_ms: 2000, stalled_interval_ms: 1000 });
    const error = failure(() => load({ JOBQUEUE_LOCK_DURATION_MS: '10' }));
    expect(error.key).toBe('jobqueue.lock_duration_ms');
    expect(error.reason).toContain('(the value comes from JOBQUEUE_LOCK_DURATION_MS)');
  });

  it('rejects an unknown APP_ENV', () => {
    expect(failure(() => load({ APP_ENV: 'prod' })).message).toBe(
      'APP_ENV: "prod" is not one of develop, staging, production, test',
    );
  });

  it.for([
    [
      'a wrong type',
      {
        config:
          'server: { port: "80" }\njobqueue: { port: 8082 }\napi: { rate_limit: { enabled: true, requests_per_minute: 1, requests_per_hour: 0, storage_type: auto } }',
      },
      'server.port',
      /Expected number/,
    ],
    [
      'a misspelt key',
      {
        config:
          'server: { port: 80, prot: 1 }\njobqueue: { port: 8082 }\napi: { rate_limit: { enabled: true, requests_per_minute: 1, requests_per_hour: 0, storage_type: auto } }',
      },
      'server.prot',
      /Invalid key/,
    ],
    [
      'a bad storage type',
      {
        config:
          'server: { port: 80 }\njobqueue: { port: 8082 }\napi: { rate_limit: { enabled: true, requests_per_minute: 1, requests_per_hour: 0, storage_type: disk } }',
      },
      'api.rate_limit.storage_type',
      /Expected \("auto" \| "redis" \| "memory"\)/,
    ],
    [
      'a bad address',
      { cacheserver: 'redis: { jobqueue: { addr: "localhost" } }' },
      'redis.jobqueue.addr',
      /must be "host:port"/,
    ],
  ] as const)('names the file, key and reason for %s', ([, files, key, reason]) => {
    const error = failure(() => load({}, configDir(files)));
    expect(error.key).toBe(key);
    expect(error.reason).toMatch(reason);
    expect(error.file).toMatch(/develop\/(config|cacheserver)\.yaml$/);
  });

  it('reports invalid YAML with its position', () => {
    const error = failure(() => load({}, configDir({ config: 'server: [unclosed' })));
    expect(error.message).toMatch(/config\.yaml: invalid YAML: .*line 1/s);
  });

  it('names the variable when an override is the bad value', () => {
    const error = failure(() => load({ JOBQUEUE_PORT: 'abc' }));
    expect(error.key).toBe('jobqueue.port');
    expect(error.reason).toContain('(the value comes from JOBQUEUE_PORT)');
  });
});

describe('loadConfig: redis.jobqueue.sentinel', () => {
  const sentinelYaml =
    'redis: { jobqueue: { sentinel: { name: dm-jobqueue, addrs: ["10.0.0.1:26379", "10.0.0.2:26379"], password: s3nt } } }';

  it('takes a sentinel setting instead of addr, with its own password', () => {
    const { jobqueue } = load({}, configDir({ cacheserver: sentinelYaml })).cache.redis;
    expect(jobqueue.addr).toBeUndefined();
    expect(jobqueue.sentinel).toEqual({
      name: 'dm-jobqueue',
      addrs: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
      ],
      password: 's3nt',
      tls: false,
    });
    expect(jobqueue.password).toBeUndefined();
  });

  it.for([
    [
      'neither addr nor sentinel',
      'redis: { jobqueue: { db: 0 } }',
      'redis.jobqueue.addr',
      /is required: set addr \("host:port"\) or sentinel/,
    ],
    [
      'both',
      'redis: { jobqueue: { addr: "h:1", sentinel: { name: m, addrs: ["h:2"] } } }',
      'redis.jobqueue.sentinel',
      /set exactly one of addr or sentinel/,
    ],
    [
      'no sentinels',
      'redis: { jobqueue: { sentinel: { name: m, addrs: [] } } }',
      'redis.jobqueue.sentinel.addrs',
      /at least one sentinel/,
    ],
    [
      'a bad sentinel address',
      'redis: { jobqueue: { sentinel: { name: m, addrs: ["h"] } } }',
      'redis.jobqueue.sentinel.addrs.0',
      /must be "host:port"/,
    ],
    [
      'no master name',
      'redis: { jobqueue: { sentinel: { addrs: ["h:1"] } } }',
      'redis.jobqueue.sentinel.name',
      /Expected "name" but received undefined/,
    ],
    [
      'a misspelt sentinel key',
      'redis: { jobqueue: { sentinel: { name: m, addrs: ["h:1"], pasword: x } } }',
      'redis.jobqueue.sentinel.pasword',
      /Invalid key/,
    ],
  ] as const)('names the key for %s', ([, cacheserver, key, reason]) => {
    const error = failure(() => load({}, configDir({ cacheserver })));
    expect(error.key).toBe(key);
    expect(error.reason).toMatch(reason);
  });

  it("REDIS_JOBQUEUE_SENTINEL_* replace the file's addr, and REDIS_JOBQUEUE_ADDR the file's sentinel", () => {
    const { jobqueue } = load({
      REDIS_JOBQUEUE_SENTINEL_ADDRS: 's1:26379,s2:26379',
      REDIS_JOBQUEUE_SENTINEL_NAME: 'jq',
      REDIS_JOBQUEUE_SENTINEL_PASSWORD: 'p',
    }).cache.redis;
    expect(jobqueue.addr).toBeUndefined();
    expect(jobqueue.sentinel).toMatchObject({
      name: 'jq',
      addrs: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      password: 'p',
    });
    const back = load({ REDIS_JOBQUEUE_ADDR: 'h:6380' }, configDir({ cacheserver: sentinelYaml })).cache.redis.jobqueue;
    expect([back.addr, back.sentinel]).toEqual([{ host: 'h', port: 6380 }, undefined]);
  });

  it('refuses REDIS_JOBQUEUE_ADDR and REDIS_JOBQUEUE_SENTINEL_ADDRS together, naming the variable', () => {
    const error = failure(() =>
      load({ REDIS_JOBQUEUE_ADDR: 'h:1', REDIS_JOBQUEUE_SENTINEL_ADDRS: 's:2', REDIS_JOBQUEUE_SENTINEL_NAME: 'm' }),
    );
    expect(error.key).toBe('redis.jobqueue.sentinel');
    expect(error.reason).toMatch(/exactly one of addr or sentinel \(the value comes from REDIS_JOBQUEUE_SENTINEL_/);
  });
});
