import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../scripts/lib/node-process.js';

const BENCH_DIR = path.join(PROJECT_ROOT, 'bench');

/**
 * Installs bench/package.json's dependencies (the frameworks and plugins the
 * bench compares against) when they are missing or older than their lock
 * file. They live apart from the project's so that a user's `npm ci` never
 * installs them; some ask for Node 22 (cookie@2, through fastify), which npm
 * would warn about on every install.
 */
export function ensureBenchDependencies(log: (line: string) => void): void {
  const installed = path.join(BENCH_DIR, 'node_modules', '.package-lock.json');
  const lock = path.join(BENCH_DIR, 'package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing the bench-only dependencies (bench/package.json)');
  // loglevel error: the Node 22 engine notice of a bench-only package is not the user's concern here.
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: BENCH_DIR, stdio: 'inherit' });
}
