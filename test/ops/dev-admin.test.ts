import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureDevAdmin } from '../../scripts/lib/ensure-dev-admin.js';
import { loadConfig } from '../../src/infra/config/load-config.js';

/** The logins `npm run dev` makes: its user name, its variables' prefix, what it opens. */
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

  it('creates one login per page once, in a file only its owner can read, and hands them to the processes it starts', () => {
    for (const [name] of saved) delete process.env[name];
    const dir = mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-dev-'));
    dirs.push(dir);
    const file = path.join(dir, '.env.develop.local');
    const said: string[] = [];
    expect(ensureDevAdmin('develop', (line) => said.push(line), file)).toEqual(LOGINS.map(([, prefix]) => prefix));
    const written = readFileSync(file, 'utf8');
    for (const [user, prefix] of LOGINS) {
      expect(process.env[`${prefix}_USER`]).toBe(user);
      expect(process.env[`${prefix}_PASSWORD`]?.length).toBeGreaterThanOrEqual(12);
      expect(written).toContain(`${prefix}_PASSWORD=${process.env[`${prefix}_PASSWORD`]}`);
    }
    expect(process.env.ADMIN_PASSWORD).not.toBe(process.env.METRICS_PASSWORD);
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(said).toEqual(
      LOGINS.map(([, , what]) => `created a develop-only ${what} login in .env.develop.local (git-ignored)`),
    );
    // A second run finds them and writes nothing.
    expect(ensureDevAdmin('develop', (line) => said.push(line), file)).toEqual([]);
    expect(said).toHaveLength(LOGINS.length);
    // What was written loads back as valid logins (the extras that use them validate them).
    expect(() => loadConfig({ environment: { ...process.env, APP_ENV: 'develop' }, dotenv: false })).not.toThrow();
  });

  it('never creates one outside develop', () => {
    for (const [name] of saved) delete process.env[name];
    expect(ensureDevAdmin('staging', () => undefined, path.join(tmpdir(), 'never-written'))).toEqual([]);
    for (const [, prefix] of LOGINS) expect(process.env[`${prefix}_USER`]).toBeUndefined();
  });
});
