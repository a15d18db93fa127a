import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../scripts/lib/node-process.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { testKey } from '../helpers/api-keys.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startStack, type Stack } from '../helpers/stack.js';

const run = promisify(execFile);

/**
 * A consumer's code: openapi-fetch typed by the generated `paths`. The `@ts-expect-error` lines
 * fail the type check if the generated types stop catching a wrong type, a missing path
 * parameter, a body where none belongs or a field the answer lacks.
 */
const USAGE = `import createClient from 'openapi-fetch';
import type { components, paths } from './api.js';

type JobStatus = components['schemas']['JobStatus'];
type Problem = components['schemas']['Problem'];

const client = createClient<paths>({
  baseUrl: process.env.BASE_URL,
  headers: { Authorization: \`Bearer \${process.env.API_KEY}\` },
});

export function neverCalled() {
  // @ts-expect-error delay_seconds is an integer
  void client.POST('/api/dm-jobqueue/register', { body: { delay_seconds: 'soon' } });
  // @ts-expect-error the status path takes no body
  void client.GET('/api/dm-jobqueue/jobs/{id}', { params: { path: { id: 'x' } }, body: {} });
  // @ts-expect-error the path needs its id
  void client.GET('/api/dm-jobqueue/jobs/{id}', {});
  // @ts-expect-error a reschedule's delay_seconds is an integer
  void client.PATCH('/api/dm-jobqueue/jobs/{id}', { params: { path: { id: 'x' } }, body: { delay_seconds: 'later' } });
}

const registered = await client.POST('/api/dm-jobqueue/register', {
  body: { message: 'from a generated client', delay_seconds: 60, max_retry: 2 },
});
if (!registered.data) throw new Error(JSON.stringify(registered.error));
const jobId: string = registered.data.job_id;
const read = await client.GET('/api/dm-jobqueue/jobs/{id}', { params: { path: { id: jobId } } });
const status: JobStatus | undefined = read.data;
// @ts-expect-error a job status has no message: the payload is not part of it
void status?.message;
const missing = await client.GET('/api/dm-jobqueue/jobs/{id}', {
  params: { path: { id: '8a0b7d5e-1c2f-4a3b-9c4d-5e6f7a8b9c0d' } },
});
const problem: Problem | undefined = missing.error;
// The lifecycle: due at a time, moved, then cancelled.
const at = await client.POST('/api/dm-jobqueue/register', {
  body: { message: 'at a time', run_at: new Date(Date.now() + 3_600_000).toISOString() },
});
if (!at.data) throw new Error(JSON.stringify(at.error));
const path = { path: { id: at.data.job_id } };
const moved = await client.PATCH('/api/dm-jobqueue/jobs/{id}', { params: path, body: { delay_seconds: 7200 } });
const cancelled = await client.DELETE('/api/dm-jobqueue/jobs/{id}', { params: path });
const nextRunAt: string | null | undefined = moved.data?.next_run_at;
console.log(
  JSON.stringify({
    registered: registered.data,
    status,
    notFound: missing.response.status,
    problem,
    lifecycle: { registered: at.data, nextRunAt, cancelled: cancelled.data?.state },
  }),
);
`;

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    target: 'es2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  },
  files: ['usage.ts'],
};

describe('a typed client generated from the live OpenAPI document', () => {
  let redis: RedisServer;
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    stack = await startStack(redis, 'typed-client');
    dir = await mkdtemp(path.join(os.tmpdir(), 'dm-jobqueue-typed-client-'));
    // The usage file imports openapi-fetch and @types/node the way a consumer's project would.
    await symlink(path.join(PROJECT_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    await writeFile(path.join(dir, 'usage.ts'), USAGE);
  });
  afterAll(async () => {
    await stack?.stop();
    await redis?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('names the schemas, type-checks a usage file, and registers, reads, reschedules and cancels through openapi-fetch', async () => {
    const types = astToString(await openapiTS(new URL(`${stack.baseUrl}/openapi.json`)));
    await writeFile(path.join(dir, 'api.ts'), types);
    // Named types: the problem is declared once, not once per response.
    expect(types).toMatch(/^ {8}Problem: \{$/m);
    expect(types.match(/retry_after_seconds/g)).toHaveLength(1);

    const tsc = path.join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc');
    const checked = await run(process.execPath, [tsc, '-p', dir]).catch((failed: { stdout: string }) => failed);
    expect(checked.stdout).toBe('');

    const env = { ...process.env, BASE_URL: stack.baseUrl, API_KEY: await testKey(['read', 'write']) };
    const { stdout } = await waitFor(
      () => run(process.execPath, ['--import', 'tsx', 'usage.ts'], { cwd: dir, env }).catch(() => undefined),
      { what: 'the usage file to register a job (the API reaching Redis)' },
    );
    const answer = JSON.parse(stdout) as {
      registered: { job_id: string; status: string; delay_seconds: number; max_retry: number };
      status: { job_id: string; state: string; max_retry: number };
      notFound: number;
      problem: { status: number; title: string };
      lifecycle: { registered: { run_at: string; expires_at: null }; nextRunAt: string; cancelled: string };
    };
    expect(answer.registered).toMatchObject({ status: 'registered', delay_seconds: 60, max_retry: 2 });
    expect(answer.status).toMatchObject({ job_id: answer.registered.job_id, state: 'delayed', max_retry: 2 });
    expect(answer.notFound).toBe(404);
    expect(answer.problem).toMatchObject({ status: 404, title: 'Not Found' });
    expect(answer.lifecycle.registered.expires_at).toBeNull();
    expect(Date.parse(answer.lifecycle.nextRunAt)).toBeGreaterThan(Date.parse(answer.lifecycle.registered.run_at));
    expect(answer.lifecycle.cancelled).toBe('cancelled');
  });
});
