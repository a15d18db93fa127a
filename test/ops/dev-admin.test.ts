import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureDevAdmin } from '../../scripts/lib/ensure-dev-admin.js';
import { loadConfig } from '../../src/infra/config/load-config.js';

/** The logins `npm run dev` makes: where the config keeps each, its variables' prefix, what it opens. */
const LOGINS = [
  ['admin', 'ADMIN', 'queue dashboard'],
  ['metrics', 'METRICS', '/metrics'],
] as const;

describe('npm run dev turns the operator pages on in develop (ensureDevAdmin)', () => {
  const saved = LOGINS.flatMap(([, prefix]) => [`${prefix}_USER`, `${prefix}_PASSWORD`]).map(
    (name) => [name, process.env[name]] as const,
  );
  const dirs: string[] = [];
  afterEach(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const configFor = (env: 'develop' | 'staging') => ({
    ...loadConfig({ environment: { APP_ENV: env, API_SECRET_KEY: 'x'.repeat(40) }, dotenv: false }),
    secrets: { apiSecretKey: undefined },
  });

  it('creates one login per page once, in a file only its owner can read, and hands them to the processes it starts', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-dev-'));
    dirs.push(dir);
    const file = path.join(dir, '.env.develop.local');
    const said: string[] = [];
    const config = ensureDevAdmin(configFor('develop'), (line) => said.push(line), file);
    const written = readFileSync(file, 'utf8');
    for (const [key, prefix] of LOGINS) {
      const login = config.secrets[key];
      expect(login?.username).toBe(key);
      expect(login?.password.length).toBeGreaterThanOrEqual(12);
      expect(written).toContain(`${prefix}_PASSWORD=${login?.password}`);
      expect(process.env[`${prefix}_PASSWORD`]).toBe(login?.password);
    }
    expect(new Set(LOGINS.map(([key]) => config.secrets[key]?.password)).size).toBe(LOGINS.length);
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(said).toEqual(
      LOGINS.map(([, , what]) => `created a develop-only ${what} login in .env.develop.local (git-ignored)`),
    );
    // A second run finds them (the entry loads .env.develop.local into the config) and writes nothing.
    expect(ensureDevAdmin(config, (line) => said.push(line), file)).toBe(config);
    expect(said).toHaveLength(LOGINS.length);
    // What was written loads back as valid logins.
    const reloaded = loadConfig({ environment: { ...process.env, APP_ENV: 'develop' }, dotenv: false });
    expect(reloaded.secrets).toMatchObject(Object.fromEntries(LOGINS.map(([key]) => [key, config.secrets[key]])));
  });

  it('never creates one outside develop', () => {
    const staging = configFor('staging');
    const { secrets } = ensureDevAdmin(staging, () => undefined, path.join(tmpdir(), 'never-written'));
    for (const [key] of LOGINS) expect(secrets[key]).toBeUndefined();
  });
});
