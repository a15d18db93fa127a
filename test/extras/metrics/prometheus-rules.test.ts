import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';

const promtool = (...args: string[]) => spawnSync('promtool', args, { cwd: 'prometheus', encoding: 'utf8' });

it('the shipped alert and recording rules pass their promtool unit tests', () => {
  const result = promtool('test', 'rules', 'dm-jobqueue.rules.test.yml');
  expect(`${result.stdout}${result.stderr}`).toContain('SUCCESS');
  expect(result.status).toBe(0);
});

it('the example Prometheus configuration and its rules are valid for Prometheus', () => {
  const result = promtool('check', 'config', 'prometheus.yml');
  expect(result.stderr, result.stdout).toBe('');
  expect(result.status).toBe(0);
});
