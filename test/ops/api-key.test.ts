import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureApiSecret } from '../../scripts/lib/ensure-api-secret.js';
import { PROJECT_ROOT } from '../../scripts/lib/node-process.js';
import { verifyApiKey } from '../../src/infra/auth/api-keys.js';
import { apiKeySettings } from '../../src/infra/auth/api-keys.js';
import { loadConfig } from '../../src/infra/config/load-config.js';
import { TEST_API_SECRET, TEST_AUTH } from '../helpers/api-keys.js';

function apiKey(args: string[], env: Record<string, string> = { API_SECRET_KEY: TEST_API_SECRET }) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/api-key.ts'), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, APP_ENV: 'test', API_SECRET_KEY: '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const step of cleanup.splice(0)) step();
});

describe('npm run api-key', () => {
  it('prints only a key on stdout, valid for this APP_ENV with the scopes and expiry asked for', async () => {
    const result = apiKey(['--scope', 'read', '--expires-in', '30d']);
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const verified = await verifyApiKey(lines[0] ?? '', TEST_AUTH);
    expect(verified).toMatchObject({ ok: true, scopes: ['read'] });
    const payload = JSON.parse(Buffer.from((lines[0] ?? '').split('.')[1] ?? '', 'base64url').toString()) as {
      exp: number;
      iat: number;
      env: string;
    };
    expect(payload.exp - payload.iat).toBe(30 * 86_400);
    expect(payload.env).toBe('test');
    // Thirty-one days on, the key has expired.
    expect(await verifyApiKey(lines[0] ?? '', TEST_AUTH, Date.now() + 31 * 86_400_000)).toMatchObject({
      ok: false,
      reason: 'expired',
    });
  });

  it('--new-secret prints a fresh 32-byte secret', () => {
    const first = apiKey(['--new-secret'], {}).stdout.trim();
    const second = apiKey(['--new-secret'], {}).stdout.trim();
    expect(Buffer.from(first, 'base64')).toHaveLength(32);
    expect(first).not.toBe(second);
  });

  it.for([
    [['--scope', 'admin'], 2, '--scope takes read, write'],
    [['--expires-in', 'soon'], 2, '--expires-in must be a number with s, m, h or d'],
    [['--bogus'], 2, "Unknown option '--bogus'"],
  ] as const)('refuses %j with exit %i and a reason', ([args, code, reason]) => {
    const result = apiKey([...args]);
    expect(result.status).toBe(code);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(reason);
  });

  it('without API_SECRET_KEY says how to make one and prints nothing on stdout', () => {
    const result = apiKey([], {});
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('API_SECRET_KEY: is not set; make one with: npm run api-key -- --new-secret');
  });
});

describe('npm run dev / demo in develop', () => {
  it('creates a develop-only secret in a private file when there is none, and keeps it next time', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-secret-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, '.env.develop.local');
    const said: string[] = [];
    const develop = {
      ...loadConfig({ environment: { APP_ENV: 'develop' }, dotenv: false }),
      secrets: { apiSecretKey: undefined },
    };
    const previous = process.env.API_SECRET_KEY;
    cleanup.push(() => {
      if (previous === undefined) delete process.env.API_SECRET_KEY;
      else process.env.API_SECRET_KEY = previous;
    });
    const { config, key } = await ensureApiSecret(develop, (line) => said.push(line), file);
    expect(said).toEqual(['created a develop-only API secret in .env.develop.local (git-ignored)']);
    expect(readFileSync(file, 'utf8')).toContain(`API_SECRET_KEY=${config.secrets.apiSecretKey}`);
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(await verifyApiKey(key, apiKeySettings(config))).toMatchObject({ ok: true, scopes: ['read', 'write'] });

    const again = await ensureApiSecret(config, (line) => said.push(line), file);
    expect(said).toHaveLength(1);
    expect(again.config.secrets.apiSecretKey).toBe(config.secrets.apiSecretKey);
  });

  it('never creates one outside develop', async () => {
    const staging = {
      ...loadConfig({ environment: { APP_ENV: 'staging' }, dotenv: false }),
      secrets: { apiSecretKey: undefined },
    };
    await expect(ensureApiSecret(staging, () => undefined, path.join(tmpdir(), 'never-written'))).rejects.toThrow(
      /API_SECRET_KEY: is not set/,
    );
  });
});
