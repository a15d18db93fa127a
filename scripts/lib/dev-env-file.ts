import { appendFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './node-process.js';

/** The git-ignored file `npm run dev` / `npm run demo` keep their develop-only secrets in. */
export const DEV_ENV_FILE = path.join(PROJECT_ROOT, '.env.develop.local');

/**
 * Appends develop-only settings to `file` (readable by the owner only) and to
 * this process's environment, so the processes started next see them too.
 */
export function appendDevSettings(file: string, comment: string, settings: Record<string, string>): void {
  const separator = existsSync(file) ? '\n' : '';
  const lines = Object.entries(settings).map(([name, value]) => `${name}=${value}`);
  appendFileSync(file, `${separator}# ${comment}\n${lines.join('\n')}\n`, { mode: 0o600 });
  Object.assign(process.env, settings);
}
