import { ConfigError } from '../config/config-error.js';
import type { Config } from '../config/schema.js';
import { MIN_SECRET_LENGTH, type ApiKeySettings } from './api-keys.js';

/**
 * The API-key settings of a configuration. Authentication is on in every
 * environment, so a missing or short `API_SECRET_KEY` stops the start-up with
 * one line saying how to make one.
 * @example const auth = apiKeySettings(loadConfig());
 */
export function apiKeySettings(config: Config): ApiKeySettings {
  const secret = config.secrets.apiSecretKey;
  const howTo = `make one with: npm run api-key -- --new-secret, and put API_SECRET_KEY=<it> in the environment or in .env.${config.env}.local (git-ignored)`;
  if (secret === undefined) throw new ConfigError('API_SECRET_KEY', '', `is not set; ${howTo}`);
  if (secret.length < MIN_SECRET_LENGTH)
    throw new ConfigError(
      'API_SECRET_KEY',
      '',
      `is ${secret.length} characters, at least ${MIN_SECRET_LENGTH} are needed; ${howTo}`,
    );
  const { auth } = config.app.api;
  return {
    secret,
    issuer: auth.issuer,
    env: config.env,
    keyVersion: auth.key_version,
    invalidVersions: auth.invalid_versions,
  };
}
