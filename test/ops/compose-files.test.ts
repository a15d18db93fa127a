import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../scripts/lib/node-process.js';
import { REDIS_COMPOSE_SERVICE } from '../../scripts/lib/redis-insight-target.js';

// No Docker engine is needed: the files are parsed as YAML and checked for the
// settings issue 3 and decisions D1-D4 ask for.

const Scalar = v.union([v.string(), v.number(), v.boolean()]);
const ServiceSchema = v.looseObject({
  image: v.string(),
  command: v.optional(v.array(v.string())),
  ports: v.optional(v.array(v.string())),
  volumes: v.optional(v.array(v.string())),
  environment: v.optional(v.record(v.string(), v.nullable(Scalar))),
  networks: v.optional(v.array(v.string())),
  network_mode: v.optional(v.string()),
  depends_on: v.optional(v.record(v.string(), v.object({ condition: v.string() }))),
  healthcheck: v.optional(v.looseObject({ test: v.array(v.string()) })),
  restart: v.optional(v.string()),
});
const ComposeSchema = v.looseObject({
  name: v.string(),
  services: v.record(v.string(), ServiceSchema),
  networks: v.optional(v.record(v.string(), v.looseObject({ name: v.string(), external: v.optional(v.boolean()) }))),
});
type Service = v.InferOutput<typeof ServiceSchema>;

function read(file: string): string {
  return readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
}

/** `${VAR:-default}` and `${VAR}` resolved as docker compose does, from `env`. */
function interpolate(text: string, env: Record<string, string> = {}): string {
  return text.replace(
    /\$\{(\w+)(?::-([^}]*))?\}/g,
    (_, name: string, fallback?: string) => env[name] || fallback || '',
  );
}

function compose(file: string, env: Record<string, string> = {}) {
  return v.parse(ComposeSchema, parse(interpolate(read(file), env)));
}

function service(file: ReturnType<typeof compose>, name: string): Service {
  const found = file.services[name];
  if (!found) throw new Error(`no service ${name}; have ${Object.keys(file.services).join(', ')}`);
  return found;
}

/** `--name value` pairs of a redis-server command line. */
function flags(command: string[] | undefined): Map<string, string> {
  const map = new Map<string, string>();
  (command ?? []).forEach((word, index) => {
    if (word.startsWith('--')) map.set(word.slice(2), command?.[index + 1] ?? '');
  });
  return map;
}

/** `directive value` lines of a redis.conf, without quotes. */
function redisConf(file: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of read(file).split('\n')) {
    const match = /^\s*([\w-]+)\s+(.*?)\s*$/.exec(line);
    if (match?.[1] && !line.trim().startsWith('#')) map.set(match[1], (match[2] ?? '').replace(/^"(.*)"$/, '$1'));
  }
  return map;
}

function redisMajor(image: string): number {
  const match = /^redis:(\d+)(?:\.\d+){0,2}(?:-alpine|-bookworm)?$/.exec(image);
  if (!match) throw new Error(`${image} is not the official redis image with a pinned version`);
  return Number(match[1]);
}

describe('docker-compose.redis.yml (the job-queue Redis, D1-D4)', () => {
  const file = compose('docker-compose.redis.yml');
  const redis = service(file, 'redis-jobqueue');

  it('starts exactly one Redis from the official image, pinned to a major of at least 7', () => {
    expect(Object.keys(file.services)).toEqual(['redis-jobqueue']);
    expect(redisMajor(redis.image)).toBeGreaterThanOrEqual(7);
  });

  it('publishes 6379 on the host, on 127.0.0.1 unless told otherwise', () => {
    expect(redis.ports).toEqual(['127.0.0.1:6379:6379']);
    const moved = service(
      compose('docker-compose.redis.yml', { REDIS_PORT: '6380', REDIS_BIND: '10.0.0.5' }),
      'redis-jobqueue',
    );
    expect(moved.ports).toEqual(['10.0.0.5:6380:6379']);
  });

  it('runs with AOF, appendfsync everysec and noeviction, on the command line and in redis/redis.conf', () => {
    const command = flags(redis.command);
    expect(command.get('appendonly')).toBe('yes');
    expect(command.get('appendfsync')).toBe('everysec');
    expect(command.get('maxmemory-policy')).toBe('noeviction');
    const conf = redisConf('redis/redis.conf');
    expect(conf.get('appendonly')).toBe('yes');
    expect(conf.get('appendfsync')).toBe('everysec');
    expect(conf.get('maxmemory-policy')).toBe('noeviction');
    expect(redis.volumes).toContain('./redis/redis.conf:/usr/local/etc/redis/redis.conf:ro');
    expect(redis.command?.[1]).toBe('/usr/local/etc/redis/redis.conf');
  });

  it('bind-mounts ./redis/data/jobqueue to /data (D4)', () => {
    expect(redis.volumes).toContain('./redis/data/jobqueue:/data');
  });

  it('joins a network with a fixed name that other compose files can join', () => {
    expect(redis.networks).toEqual(['dm-jobqueue']);
    expect(file.networks?.['dm-jobqueue']).toMatchObject({ name: 'dm-jobqueue' });
    expect(file.networks?.['dm-jobqueue']?.external).toBeUndefined();
  });

  it('has a healthcheck with redis-cli ping and a restart policy', () => {
    expect(redis.healthcheck?.test.join(' ')).toMatch(/redis-cli ping/);
    expect(['always', 'unless-stopped']).toContain(redis.restart);
  });
});

describe('docker-compose.redis-insight.yml (D2)', () => {
  const file = compose('docker-compose.redis-insight.yml');
  const insight = service(file, 'redis-insight');

  it('runs the official Redis Insight image, pinned, on host port 8001 -> 5540', () => {
    expect(Object.keys(file.services)).toEqual(['redis-insight']);
    expect(insight.image).toMatch(/^redis\/redisinsight:\d+\.\d+(\.\d+)?$/);
    expect(insight.ports).toEqual(['127.0.0.1:8001:5540']);
  });

  it('keeps its state in ./redis/insight', () => {
    expect(insight.volumes).toEqual(['./redis/insight:/data']);
  });

  it('preconfigures the connection through RI_REDIS_*, defaulting to the Redis service of docker-compose.redis.yml', () => {
    const env = insight.environment ?? {};
    expect(env).toMatchObject({
      RI_REDIS_HOST: REDIS_COMPOSE_SERVICE.host,
      RI_REDIS_PORT: REDIS_COMPOSE_SERVICE.port,
      RI_REDIS_ALIAS: 'dm-jobqueue',
      RI_REDIS_TLS: false,
    });
    // The same name and container port docker-compose.redis.yml gives its Redis.
    const redis = compose('docker-compose.redis.yml');
    expect(Object.keys(redis.services)).toContain(REDIS_COMPOSE_SERVICE.host);
    expect(service(redis, REDIS_COMPOSE_SERVICE.host).ports?.[0]).toMatch(
      new RegExp(`:${REDIS_COMPOSE_SERVICE.port}$`),
    );
  });

  it('takes the address the start script read from cacheserver.yaml', () => {
    const remote = service(
      compose('docker-compose.redis-insight.yml', {
        RI_REDIS_HOST: 'redis.internal',
        RI_REDIS_PORT: '6380',
        RI_REDIS_ALIAS: 'dm-jobqueue staging',
      }),
      'redis-insight',
    );
    expect(remote.environment).toMatchObject({
      RI_REDIS_HOST: 'redis.internal',
      RI_REDIS_PORT: 6380,
      RI_REDIS_ALIAS: 'dm-jobqueue staging',
    });
  });

  it('passes the username and password through from the environment, never from the file', () => {
    const env = insight.environment ?? {};
    for (const name of ['RI_REDIS_USERNAME', 'RI_REDIS_PASSWORD', 'RI_ENCRYPTION_KEY']) {
      expect(env).toHaveProperty(name, null);
    }
  });

  it('joins the dm-jobqueue network as an external one, with a healthcheck and a restart policy', () => {
    expect(insight.networks).toEqual(['dm-jobqueue']);
    expect(file.networks?.['dm-jobqueue']).toEqual({ name: 'dm-jobqueue', external: true });
    expect(insight.healthcheck?.test.join(' ')).toMatch(/5540\/api\/health/);
    expect(['always', 'unless-stopped']).toContain(insight.restart);
  });
});

describe('docker-compose.redis-cluster.yml (redis.default.cluster.addrs, D9)', () => {
  const file = compose('docker-compose.redis-cluster.yml');
  const nodes = Object.entries(file.services).filter(([, node]) => node.command?.[0] === 'redis-server');

  it('runs 3 cluster nodes from the same pinned image as the job-queue Redis, with AOF', () => {
    expect(nodes).toHaveLength(3);
    const jobqueueImage = service(compose('docker-compose.redis.yml'), 'redis-jobqueue').image;
    for (const [, node] of nodes) {
      expect(node.image).toBe(jobqueueImage);
      expect(flags(node.command).get('appendonly')).toBe('yes');
      expect(node.command?.[1]).toBe('/usr/local/etc/redis/redis-cluster.conf');
      expect(['always', 'unless-stopped']).toContain(node.restart);
      expect(node.healthcheck?.test.join(' ')).toMatch(/redis-cli -p \d+ ping/);
    }
    const conf = redisConf('redis/redis-cluster.conf');
    expect(conf.get('cluster-enabled')).toBe('yes');
    expect(conf.get('appendonly')).toBe('yes');
    expect(conf.get('appendfsync')).toBe('everysec');
  });

  it('announces 127.0.0.1 and the published port of each node, so clients on the host reach them', () => {
    const ports = nodes.map(([, node]) => flags(node.command).get('port'));
    expect(ports).toEqual(['7000', '7001', '7002']);
    for (const [, node] of nodes) {
      const command = flags(node.command);
      expect(command.get('cluster-announce-ip')).toBe('127.0.0.1');
      expect(command.get('cluster-announce-port')).toBe(command.get('port'));
    }
    expect(service(file, 'redis-cluster-1').ports).toEqual([
      '127.0.0.1:7000:7000',
      '127.0.0.1:7001:7001',
      '127.0.0.1:7002:7002',
    ]);
    expect(service(file, 'redis-cluster-2').network_mode).toBe('service:redis-cluster-1');
    expect(service(file, 'redis-cluster-3').network_mode).toBe('service:redis-cluster-1');
  });

  it('keeps each node in ./redis/data/cluster/<port>', () => {
    expect(nodes.map(([, node]) => node.volumes?.[0])).toEqual([
      './redis/data/cluster/7000:/data',
      './redis/data/cluster/7001:/data',
      './redis/data/cluster/7002:/data',
    ]);
  });

  it('follows the ports the start script passes', () => {
    const moved = compose('docker-compose.redis-cluster.yml', {
      REDIS_CLUSTER_PORT_1: '7100',
      REDIS_CLUSTER_PORT_2: '7101',
      REDIS_CLUSTER_PORT_3: '7102',
    });
    expect(service(moved, 'redis-cluster-1').ports).toEqual([
      '127.0.0.1:7100:7100',
      '127.0.0.1:7101:7101',
      '127.0.0.1:7102:7102',
    ]);
    expect(service(moved, 'redis-cluster-init').command?.join(' ')).toContain(
      '127.0.0.1:7100 127.0.0.1:7101 127.0.0.1:7102',
    );
  });

  it('creates the cluster once with a one-shot init service', () => {
    const init = service(file, 'redis-cluster-init');
    const script = init.command?.join(' ') ?? '';
    expect(script).toMatch(
      /redis-cli --cluster create 127\.0\.0\.1:7000 127\.0\.0\.1:7001 127\.0\.0\.1:7002 --cluster-replicas 0 --cluster-yes/,
    );
    expect(script).toContain('cluster_slots_assigned:0');
    expect(init.restart).toBe('no');
    expect(init.depends_on).toEqual({
      'redis-cluster-1': { condition: 'service_healthy' },
      'redis-cluster-2': { condition: 'service_healthy' },
      'redis-cluster-3': { condition: 'service_healthy' },
    });
  });
});

describe('docker-compose.redis-sentinel.yml (redis.jobqueue.sentinel, D9)', () => {
  const file = v.parse(ComposeSchema, parse(read('docker-compose.redis-sentinel.yml'), { merge: true }));
  const script = (name: string) => service(file, name).command?.join(' ') ?? '';

  it('runs a master, a replica and three sentinels from the pinned image, on the host network', () => {
    expect(Object.keys(file.services).sort()).toEqual([
      'redis-sentinel-master',
      'redis-sentinel-replica',
      'sentinel-1',
      'sentinel-2',
      'sentinel-3',
    ]);
    for (const each of Object.values(file.services)) {
      expect(each.image).toBe(service(compose('docker-compose.redis.yml'), 'redis-jobqueue').image);
      expect(each.network_mode).toBe('host');
    }
  });

  it('gives the data nodes AOF (everysec) and noeviction, and the replica its master', () => {
    for (const name of ['redis-sentinel-master', 'redis-sentinel-replica'])
      expect(script(name)).toMatch(/appendonly yes\\nappendfsync everysec\\nmaxmemory-policy noeviction/);
    expect(script('redis-sentinel-replica')).toMatch(/replicaof 127\.0\.0\.1/);
  });

  it('runs each sentinel with redis-server --sentinel and a quorum of 2, on its own port', () => {
    for (const name of ['sentinel-1', 'sentinel-2', 'sentinel-3'])
      expect(script(name)).toMatch(
        /sentinel monitor %s 127\.0\.0\.1 %s 2.*redis-server \/data\/\$\$\{P\}\/sentinel\.conf --sentinel/,
      );
    const ports = ['sentinel-1', 'sentinel-2', 'sentinel-3'].map((name) => service(file, name).environment?.P);
    expect(new Set(ports).size).toBe(3);
  });

  it('keeps the data in ./redis/data/sentinel', () => {
    expect(service(file, 'redis-sentinel-master').volumes).toContain(
      '${REDIS_SENTINEL_DATA_DIR:-./redis/data/sentinel}:/data',
    );
  });
});

describe('the redis/ layout', () => {
  const ignored = (file: string) => {
    try {
      execFileSync('git', ['check-ignore', '--no-index', '-q', file], { cwd: PROJECT_ROOT });
      return true;
    } catch {
      return false;
    }
  };

  it.for([
    'redis/data/jobqueue/.gitkeep',
    'redis/insight/.gitkeep',
    'redis/data/cluster/.gitkeep',
    'redis/data/sentinel/.gitkeep',
  ])('keeps %s in the repository', (file) => {
    expect(existsSync(path.join(PROJECT_ROOT, file))).toBe(true);
    expect(ignored(file)).toBe(false);
  });

  it.for([
    'redis/data/jobqueue/appendonlydir/appendonly.aof.1.incr.aof',
    'redis/data/jobqueue/redis-server-6379.pid',
    'redis/insight/redisinsight.db',
    'redis/data/cluster/7000/nodes.conf',
    'redis/data/cluster/7000/appendonlydir/appendonly.aof.1.base.rdb',
    'redis/data/sentinel/6380/appendonlydir/appendonly.aof.1.incr.aof',
    'redis/data/sentinel/26379/sentinel.conf',
  ])('ignores %s', (file) => {
    expect(ignored(file)).toBe(true);
  });

  it('keeps the settings files in the repository', () => {
    expect(ignored('redis/redis.conf')).toBe(false);
    expect(ignored('redis/redis-cluster.conf')).toBe(false);
  });
});
