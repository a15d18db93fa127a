import { describe, expect, it } from 'vitest';
import { startNodeProcess } from '../../scripts/lib/node-process.js';

const ENTRY = 'test/fixtures/lifecycle-entry.ts';
const run = (scenario: string, env: Record<string, string> = {}) =>
  startNodeProcess(ENTRY, { SCENARIO: scenario, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env });
const count = (lines: string[], line: string) => lines.filter((each) => each === line).length;

describe('runProcess: start and stop of a real process', () => {
  it('closes what a failed start opened and exits 1, saying why in one line', async () => {
    const child = run('fail-start');
    expect(await child.exited).toBe(1);
    expect(child.stdout.filter((line) => !line.startsWith('{'))).toEqual(['start', 'stop']);
    expect(child.stderr.filter(Boolean)[0]).toMatch(/^fixture could not start: Error: cannot open the thing/);
  });

  it('stops once on SIGTERM and exits 0; a second signal while stopping is ignored', async () => {
    const child = run('slow-stop');
    await child.waitForLine(/^ready$/);
    // One Ctrl-C under `npm run dev` arrives twice (the terminal's process group, and the runner forwarding it).
    child.child.kill('SIGINT');
    child.child.kill('SIGINT');
    await child.waitForLine(/^stop$/);
    await new Promise((resolve) => setTimeout(resolve, 700));
    child.child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(count(child.stdout, 'stop')).toBe(1);
    const said = (text: string) => child.stdout.filter((line) => line.includes(text)).length;
    expect(said('"shutting down"')).toBe(1);
    expect(said('already shutting down')).toBe(1);
  });

  it('exits 1 when the service fails after it started, after stopping it', async () => {
    const child = run('fail-later');
    expect(await child.exited).toBe(1);
    expect(count(child.stdout, 'stop')).toBe(1);
    expect(child.stderr.join('\n')).toMatch(/fixture stopped: Error: the run loop died/);
  });

  it('exits 1 when stopping outlasts the shutdown timeout', async () => {
    const child = run('stuck-stop', { SHUTDOWN_MS: '300' });
    await child.waitForLine(/^ready$/);
    const signalled = Date.now();
    expect(await child.stop('SIGTERM')).toBe(1);
    // Generous: the bound is 300 ms; a loaded CI machine may take seconds to schedule the exit.
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(child.stderr.join('\n')).toContain('shutdown timed out');
  });
});
