import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { appendDevSettings, DEV_ENV_FILE } from './dev-env-file.js';

/** The operator pages' logins `npm run dev` makes: the dashboard's and the metrics' extras read them. */
const LOGINS = [
  { user: 'admin', prefix: 'ADMIN', what: 'queue dashboard' },
  { user: 'metrics', prefix: 'METRICS', what: '/metrics' },
] as const;

/**
 * For `npm run dev`: in develop, creates develop-only logins for the queue dashboard
 * (ADMIN_USER / ADMIN_PASSWORD) and /metrics (METRICS_USER / METRICS_PASSWORD) in the git-ignored
 * `.env.develop.local` where there are none, and sets them in `process.env`, so both are on from
 * the first run (load the config again to see them). Other environments turn them on only with
 * credentials of their own. Returns the variables' prefixes it created.
 */
export function ensureDevAdmin(appEnv: string, say: (line: string) => void, file = DEV_ENV_FILE): string[] {
  if (appEnv !== 'develop') return [];
  const created: string[] = [];
  for (const { user, prefix, what } of LOGINS) {
    if (process.env[`${prefix}_USER`] || process.env[`${prefix}_PASSWORD`]) continue;
    const settings = { [`${prefix}_USER`]: user, [`${prefix}_PASSWORD`]: randomBytes(18).toString('base64url') };
    appendDevSettings(file, `Made by npm run dev: the ${what} login, develop only.`, settings);
    say(`created a develop-only ${what} login in ${path.basename(file)} (git-ignored)`);
    created.push(prefix);
  }
  return created;
}
