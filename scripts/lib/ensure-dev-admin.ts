import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Config } from '../../src/infra/config/schema.js';
import { appendDevSettings, DEV_ENV_FILE } from './dev-env-file.js';

/**
 * For `npm run dev`: in develop, creates a develop-only dashboard login
 * (ADMIN_USER / ADMIN_PASSWORD) in the git-ignored `.env.develop.local` when
 * there is none, so the queue dashboard and /metrics are on from the first
 * run. Other environments turn them on only with credentials of their own.
 * Returns the config with the login (undefined outside develop without one).
 */
export function ensureDevAdmin(config: Config, say: (line: string) => void, file = DEV_ENV_FILE): Config {
  if (config.secrets.admin || config.env !== 'develop') return config;
  const admin = { username: 'admin', password: randomBytes(18).toString('base64url') };
  appendDevSettings(file, 'Made by npm run dev: the queue dashboard and /metrics login, develop only.', {
    ADMIN_USER: admin.username,
    ADMIN_PASSWORD: admin.password,
  });
  say(`created a develop-only dashboard login in ${path.basename(file)} (git-ignored)`);
  return { ...config, secrets: { ...config.secrets, admin } };
}
