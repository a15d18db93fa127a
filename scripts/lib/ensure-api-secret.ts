import path from 'node:path';
import { newSecret, signApiKey } from '../../src/infra/auth/api-keys.js';
import { apiKeySettings } from '../../src/infra/auth/api-keys.js';
import type { Config } from '../../src/infra/config/schema.js';
import { appendDevSettings, DEV_ENV_FILE } from './dev-env-file.js';

/**
 * For `npm run dev` and `npm run demo`: in develop, creates a develop-only
 * API_SECRET_KEY in the git-ignored `.env.develop.local` when there is none,
 * so the one-command demo keeps working with authentication on. Other
 * environments must bring their own secret (apiKeySettings says how).
 * Returns the config with the secret and a read+write key for it.
 */
export async function ensureApiSecret(
  config: Config,
  say: (line: string) => void,
  file = DEV_ENV_FILE,
): Promise<{ config: Config; key: string }> {
  let secret = config.secrets.apiSecretKey;
  if (secret === undefined && config.env === 'develop') {
    secret = newSecret();
    appendDevSettings(
      file,
      'Made by npm run dev / npm run demo: signs API keys in develop only; never use it elsewhere.',
      { API_SECRET_KEY: secret },
    );
    say(`created a develop-only API secret in ${path.basename(file)} (git-ignored)`);
  }
  const withSecret: Config = { ...config, secrets: { ...config.secrets, apiSecretKey: secret } };
  const key = await signApiKey(apiKeySettings(withSecret), { scopes: ['read', 'write'], subject: 'npm-run-dev' });
  return { config: withSecret, key };
}
