import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureDevAdmin } from '../../scripts/lib/ensure-dev-admin.js';
import { loadConfig } from '../../src/infra/config/load-config.js';

describe('npm run dev turns the dashboard on in develop (ensureDevAdmin)', () => {
  const saved = { user: process.env.ADMIN_USER, password: process.env.ADMIN_PASSWORD };
  const dirs: string[] = [];
  afterEach(() => {
    for (const [name, value] of [
      ['ADMIN_USER', saved.user],
      ['ADMIN_PASSWORD', saved.password],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const configFor = (env: 'develop' | 'staging') => ({
    ...loadConfig({ environment: { APP_ENV: env, API_SECRET_KEY: 'x'.repeat(40) }, dotenv: false }),
    secrets: { apiSecretKey: undefined, admin: undefined },
  });

  it('creates a login once, in a file only its owner can read, and hands it to the processes it starts', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-dev-'));
    dirs.push(dir);
    const file = path.join(dir, '.env.develop.local');
    const said: string[] = [];
    const config = ensureDevAdmin(configFor('develop'), (line) => said.push(line), file);
    const admin = config.secrets.admin;
    expect(admin?.username).toBe('admin');
    expect(admin?.password.length).toBeGreaterThanOrEqual(12);
    expect(readFileSync(file, 'utf8')).toContain(`ADMIN_PASSWORD=${admin?.password}`);
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(process.env.ADMIN_PASSWORD).toBe(admin?.password);
    expect(said).toEqual(['created a develop-only dashboard login in .env.develop.local (git-ignored)']);
    // A second run finds it (the entry loads .env.develop.local into the config) and writes nothing.
    expect(ensureDevAdmin(config, (line) => said.push(line), file)).toBe(config);
    expect(said).toHaveLength(1);
  });

  it('never creates one outside develop', () => {
    const staging = configFor('staging');
    expect(
      ensureDevAdmin(staging, () => undefined, path.join(tmpdir(), 'never-written')).secrets.admin,
    ).toBeUndefined();
  });
});
