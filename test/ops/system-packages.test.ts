import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../scripts/lib/node-process.js';

const SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'ensure-system-packages.mjs');

describe('npm test installs what it needs (scripts/ensure-system-packages.mjs)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A temp dir with a fake `apt-get` that logs its arguments and runs `body`. */
  function fakeAptGet(body: string) {
    const dir = mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-apt-'));
    dirs.push(dir);
    const log = path.join(dir, 'apt.log');
    const chromium = path.join(dir, 'chromium');
    writeFileSync(
      path.join(dir, 'apt-get'),
      `#!/bin/sh\necho "$@" >> ${log}\n${body.replaceAll('$CHROMIUM', chromium)}\n`,
    );
    chmodSync(path.join(dir, 'apt-get'), 0o755);
    return { dir, log, chromium };
  }

  const run = (env: Record<string, string>, wrapper: string[] = []) => {
    const [command = process.execPath, ...args] = [...wrapper, process.execPath, SCRIPT, 'test'];
    return spawnSync(command, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  };

  it('as root, installs a missing chromium with apt-get and exits 0', () => {
    const apt = fakeAptGet('case "$*" in *" install "*) touch $CHROMIUM; chmod +x $CHROMIUM;; esac');
    const result = run({ CHROMIUM_PATH: apt.chromium, PATH: `${apt.dir}:${process.env.PATH ?? ''}` });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    // Both wait for a dpkg lock another apt-get holds instead of failing at once.
    expect(readFileSync(apt.log, 'utf8').trim().split('\n')).toEqual([
      '-o DPkg::Lock::Timeout=600 update -qq',
      '-o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium',
    ]);
    expect(result.stdout).toContain('Installing chromium');
  });

  it('as root, says in one line what to run when apt-get fails, without sudo', () => {
    const apt = fakeAptGet('exit 100');
    const result = run({ CHROMIUM_PATH: apt.chromium, PATH: `${apt.dir}:${process.env.PATH ?? ''}` });
    expect(result.status).toBe(1);
    const last = result.stderr.trim().split('\n').at(-1);
    expect(last).toMatch(/^installing chromium failed .*run `apt-get install -y chromium` yourself/);
    expect(last).not.toContain('sudo');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('as another user, names the missing program and the command in one line, without a stack trace', () => {
    const result = run({ CHROMIUM_PATH: '/nonexistent/chromium' }, [
      'setpriv',
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
    ]);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^npm test needs chromium \(\/nonexistent\/chromium\).*`sudo apt-get install -y chromium`/,
    );
  });

  it('exits 0 and prints nothing when everything is there', () => {
    const apt = fakeAptGet('exit 1');
    writeFileSync(apt.chromium, '');
    const result = run({ CHROMIUM_PATH: apt.chromium, PATH: `${apt.dir}:${process.env.PATH ?? ''}` });
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).toBe('');
  });
});
