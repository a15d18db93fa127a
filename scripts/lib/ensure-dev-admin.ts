import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Config } from '../../src/infra/config/schema.js';
import { appendDevSettings, DEV_ENV_FILE } from './dev-env-file.js';

/**
 * For `npm run dev`: in develop, creates develop-only logins for the queue
 * dashboard (ADMIN_USER / ADMIN_PASSWORD) and /metrics (METRICS_USER /
 * METRICS_PASSWORD) in the git-ignored `.env.develop.local` where there are
 * none, so both are on from the first run. Other environments turn them on
 * only with credentials of their own. Returns the config with the logins.
 */
export function ensureDevAdmin(config: Config, say: (line: string) => void, file = DEV_ENV_FILE): Config {
  if (config.env !== 'develop') return config;
  const logins = [
    { key: 'admin', prefix: 'ADMIN', what: 'queue dashboard' },
    { key: 'metrics', prefix: 'METRICS', what: '/metrics' },
  ] as const;
  const secrets = { ...config.secrets };
  for (const { key, prefix, what } of logins) {
    if (secrets[key]) continue;
    const login = { username: key, password: randomBytes(18).toString('base64url') };
    appendDevSettings(file, `Made by npm run dev: the ${what} login, develop only.`, {
      [`${prefix}_USER`]: login.username,
      [`${prefix}_PASSWORD`]: login.password,
    });
    say(`created a develop-only ${what} login in ${path.basename(file)} (git-ignored)`);
    secrets[key] = login;
  }
  return logins.some(({ key }) => !config.secrets[key]) ? { ...config, secrets } : config;
}
