/**
 * `npm run api-key -- --scope read,write [--expires-in 30d]`: prints an API key
 * for the current APP_ENV on stdout, and nothing else there.
 * `npm run api-key -- --new-secret`: prints a fresh random API_SECRET_KEY.
 */
import { parseArgs } from 'node:util';
import { newSecret, SCOPES, signApiKey, type Scope } from '../src/infra/auth/api-keys.js';
import { apiKeySettings } from '../src/infra/auth/api-keys.js';
import { loadConfig } from '../src/infra/config/load-config.js';

const USAGE = `usage: npm run api-key -- [--scope read,write] [--expires-in 30d] [--subject NAME]
       npm run api-key -- --new-secret

Prints an API key (a JWT signed with API_SECRET_KEY) for the current APP_ENV
(${'$'}APP_ENV, default develop) on stdout. --expires-in takes s, m, h or d
(e.g. 3600s, 12h, 30d); without it the key does not expire.
--new-secret prints a fresh random secret for API_SECRET_KEY instead.
`;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

function fail(message: string): never {
  process.stderr.write(`api-key: ${message}\n`);
  process.exit(2);
}

function parseDuration(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  if (!match) fail(`--expires-in must be a number with s, m, h or d (e.g. 30d), not "${text}"`);
  const seconds = Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1);
  if (seconds <= 0) fail('--expires-in must be more than 0');
  return seconds;
}

function parseScopes(text: string): Scope[] {
  const scopes = text
    .split(',')
    .map((scope) => scope.trim())
    .filter(Boolean);
  const unknown = scopes.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
  if (scopes.length === 0 || unknown.length > 0)
    fail(`--scope takes ${SCOPES.join(', ')} (comma-separated), not "${text}"`);
  return scopes as Scope[];
}

let values: { scope?: string; 'expires-in'?: string; subject?: string; 'new-secret'?: boolean; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      scope: { type: 'string' },
      'expires-in': { type: 'string' },
      subject: { type: 'string' },
      'new-secret': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }));
} catch (error) {
  fail(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
}

if (values.help) {
  process.stdout.write(USAGE);
} else if (values['new-secret']) {
  process.stdout.write(`${newSecret()}\n`);
} else {
  try {
    const settings = apiKeySettings(loadConfig());
    const key = await signApiKey(settings, {
      scopes: parseScopes(values.scope ?? 'read,write'),
      ...(values['expires-in'] ? { expiresInSeconds: parseDuration(values['expires-in']) } : {}),
      ...(values.subject ? { subject: values.subject } : {}),
    });
    process.stdout.write(`${key}\n`);
  } catch (error) {
    process.stderr.write(`api-key: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
