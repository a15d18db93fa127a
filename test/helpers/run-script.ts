import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../scripts/lib/node-process.js';

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall-clock time from spawn to exit. */
  ms: number;
}

/** Variables a developer's shell may hold that would change what the scripts read. */
const INHERITED_TO_DROP = [
  'APP_ENV',
  'CONFIG_DIR',
  'REDIS_JOBQUEUE_ADDR',
  'REDIS_JOBQUEUE_USERNAME',
  'REDIS_JOBQUEUE_PASSWORD',
  'REDIS_PORT',
  'REDIS_BIND',
  'REDIS_DATA_DIR',
  'REDIS_START_MODE',
  'REDIS_CLUSTER_BASE_PORT',
  'REDIS_CLUSTER_DATA_DIR',
  'REDIS_INSIGHT_PORT',
  'REDIS_INSIGHT_DATA_DIR',
  'REDIS_JOBQUEUE_SENTINEL_ADDRS',
  'REDIS_JOBQUEUE_SENTINEL_NAME',
  'REDIS_SENTINEL_MASTER_PORT',
  'REDIS_SENTINEL_REPLICA_PORT',
  'REDIS_SENTINEL_DATA_DIR',
  'REDIS_SENTINEL_DOWN_AFTER_MS',
];

/**
 * Runs `bash scripts/<script> <args>` from the project root with `env` on top of
 * this process's environment (minus the variables above) and collects its output.
 * @example const { code, stdout } = await runScript('start-redis.sh', ['status'], { REDIS_PORT: '16400' });
 */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 90_000,
): Promise<ScriptResult> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_TO_DROP) delete base[name];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(PROJECT_ROOT, 'scripts', script), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${script} ${args.join(' ')} took more than ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`),
      );
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Math.round(performance.now() - started) });
    });
  });
}
