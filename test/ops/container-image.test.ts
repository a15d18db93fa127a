import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { freePort } from '../../scripts/lib/free-port.js';
import { PROJECT_ROOT, startNodeProcess, type NodeProcess } from '../../scripts/lib/node-process.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { AUTH_HEADERS, TEST_API_SECRET } from '../helpers/api-keys.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const read = (file: string) => readFileSync(path.join(PROJECT_ROOT, file), 'utf8');

interface ComposeService {
  build?: string;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  networks?: string[];
  deploy?: { replicas?: string | number };
}

describe('Dockerfile and docker-compose.jobqueue.yml (content: no Docker engine runs here)', () => {
  const dockerfile = read('Dockerfile');

  it('builds in one stage and ships production dependencies only, as a non-root user, with a /health check', () => {
    const stages = [...dockerfile.matchAll(/^FROM (\S+) AS (\w+)$/gm)].map((match) => match[2]);
    expect(stages).toEqual(['build', 'production']);
    const production = dockerfile.slice(dockerfile.indexOf('AS production'));
    expect(production).toContain('RUN npm ci --omit=dev');
    expect(production).toContain('COPY --from=build /app/dist ./dist');
    expect(production).toMatch(/^USER node$/m);
    expect(production).toMatch(/HEALTHCHECK[\s\S]*\/health/);
    expect(production).toContain('CMD ["node", "dist/server.js"]');
    expect(read('.dockerignore')).toMatch(/^\.env\*\.local$/m);
  });

  it('runs the API and N workers from one image on the Redis network of docker-compose.redis.yml', () => {
    const jobqueue = parse(read('docker-compose.jobqueue.yml'), { merge: true }) as {
      services: Record<string, ComposeService>;
      networks: Record<string, { external?: boolean }>;
    };
    const redis = parse(read('docker-compose.redis.yml')) as {
      services: Record<string, unknown>;
      networks: Record<string, { name?: string }>;
    };
    const { api, worker } = jobqueue.services;
    expect(api?.command).toEqual(['node', 'dist/server.js']);
    expect(worker?.command).toEqual(['node', 'dist/worker.js']);
    expect(api?.image).toBe(worker?.image);
    expect(
      Number(String(worker?.deploy?.replicas).replace(/^\$\{WORKER_REPLICAS:-(\d+)\}$/, '$1')),
    ).toBeGreaterThanOrEqual(2);
    const redisNetwork = Object.values(redis.networks)[0]?.name;
    for (const service of [api, worker]) {
      expect(service?.networks).toEqual([redisNetwork]);
      expect(service?.environment?.REDIS_JOBQUEUE_ADDR).toBe(`${Object.keys(redis.services)[0]}:6379`);
      expect(service?.environment?.SERVER_HOST).toBe('0.0.0.0');
      // Each login reaches both processes (/metrics on each, the dashboard on the API).
      expect(Object.keys(service?.environment ?? {})).toEqual(
        expect.arrayContaining(['ADMIN_USER', 'ADMIN_PASSWORD', 'METRICS_USER', 'METRICS_PASSWORD']),
      );
    }
    expect(jobqueue.networks[redisNetwork ?? '']?.external).toBe(true);
  });
});

describe("the Dockerfile's commands, for real, in a clean copy", () => {
  let redis: RedisServer | undefined;
  let dir: string | undefined;
  const processes: NodeProcess[] = [];
  afterAll(async () => {
    await Promise.all(processes.map((child) => child.stop('SIGTERM')));
    await redis?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('npm ci --omit=dev on the built output, then the API and a worker started as a non-root user register and run a job', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-image-'));
    for (const file of ['package.json', 'package-lock.json'])
      cpSync(path.join(PROJECT_ROOT, file), path.join(dir, file));
    execFileSync(process.execPath, [
      path.join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      path.join(PROJECT_ROOT, 'tsconfig.build.json'),
      '--outDir',
      path.join(dir, 'dist'),
    ]);
    cpSync(path.join(PROJECT_ROOT, 'config'), path.join(dir, 'config'), { recursive: true });
    cpSync(path.join(PROJECT_ROOT, 'public'), path.join(dir, 'public'), { recursive: true });
    const install = spawnSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(install.status, install.stderr).toBe(0);
    // No dev dependency made it in (typescript may: valibot names it as an optional peer).
    for (const devOnly of ['vitest', 'tsx', 'fastify', 'express', 'playwright-core', 'autocannon']) {
      expect(spawnSync('test', ['-e', path.join(dir, 'node_modules', devOnly)]).status, devOnly).not.toBe(0);
    }
    chmodSync(dir, 0o755);

    redis = await startRedisServer();
    const [apiPort, workerPort, adminPort] = [await freePort(), await freePort(), await freePort()];
    const env = {
      APP_ENV: 'test',
      LOG_FORMAT: 'json',
      API_SECRET_KEY: TEST_API_SECRET,
      REDIS_JOBQUEUE_ADDR: redis.addr,
      SERVER_PORT: String(apiPort),
      JOBQUEUE_PORT: String(workerPort),
      ADMIN_PORT: String(adminPort),
      JOBQUEUE_QUEUE_NAME: `image-${Date.now()}`,
    };
    // As root (CI), drop to nobody as USER node would; otherwise this user is already unprivileged.
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const start = (entry: string) => {
      const child = startNodeProcess(path.join(dir ?? '', entry), env, {
        typescript: false,
        wrapper: asUser,
        cwd: dir ?? '',
      });
      processes.push(child);
      return child;
    };
    const api = start('dist/server.js');
    const worker = start('dist/worker.js');
    await api.waitForLine(/API listening/);
    await worker.waitForLine(/worker started/);
    const message = `from the image ${Date.now()}`;
    await waitFor(
      async () => {
        const response = await fetch(`http://127.0.0.1:${apiPort}/api/dm-jobqueue/register`, {
          method: 'POST',
          headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
          body: JSON.stringify({ message, delay_seconds: 0 }),
        });
        return response.status === 201;
      },
      { what: 'a 201 from the copied API' },
    );
    await worker.waitForLine(new RegExp(`\\] ${message}$`), { stream: 'stdout' });
    expect((await fetch(`http://127.0.0.1:${workerPort}/health`)).status).toBe(200);
  }, 300_000);
});
