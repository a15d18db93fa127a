import { signApiKey, type ApiKeySettings, type Scope } from '../../src/infra/auth/api-keys.js';

/** The secret the test processes get as API_SECRET_KEY (APP_ENV=test). Never a real one. */
export const TEST_API_SECRET = 'test-only-secret-0123456789abcdef0123456789';

/** API-key settings as the API derives them for APP_ENV=test with TEST_API_SECRET. */
export const TEST_AUTH: ApiKeySettings = {
  secret: TEST_API_SECRET,
  issuer: 'dm-jobqueue',
  env: 'test',
  keyVersion: '1',
  invalidVersions: [],
};

/** A key with `scopes` (default read and write) for `settings` (default the test settings). */
export function testKey(
  scopes: readonly Scope[] = ['read', 'write'],
  settings: ApiKeySettings = TEST_AUTH,
  extra: { expiresInSeconds?: number; now?: number } = {},
): Promise<string> {
  return signApiKey(settings, { scopes, ...extra });
}

/** `Authorization: Bearer <read+write key>` for requests to /api/*. */
export const AUTH_HEADERS: Readonly<Record<string, string>> = { authorization: `Bearer ${await testKey()}` };
