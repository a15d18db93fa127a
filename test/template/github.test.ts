/**
 * What a copy pushed to GitHub runs: the workflow (checked against the GitHub Actions schema by
 * action-validator) runs the README's test line on both Node lines, and Dependabot watches every
 * manifest the template has.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../scripts/lib/node-process.js';

const WORKFLOWS = path.join(PROJECT_ROOT, '.github', 'workflows');
const workflowFiles = readdirSync(WORKFLOWS).filter((file) => /\.ya?ml$/.test(file));

describe('the GitHub workflow', () => {
  it.each(workflowFiles)('%s is a valid workflow (action-validator)', (file) => {
    const validator = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'action-validator');
    expect(() => execFileSync(validator, [path.join(WORKFLOWS, file)], { stdio: 'pipe' })).not.toThrow();
  });

  it("runs the README's test line on push and pull request, on Node 20 and 24", () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const testLine = /^(npm ci && npm test)\s/m.exec(readme)?.[1];
    expect(testLine).toBeDefined();
    const workflow = parse(readFileSync(path.join(WORKFLOWS, 'test.yml'), 'utf8')) as {
      on: Record<string, unknown>;
      jobs: Record<string, { strategy: { matrix: { node: string[] } }; steps: { run?: string }[] }>;
    };
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
    const job = Object.values(workflow.jobs)[0];
    expect(job?.strategy.matrix.node).toEqual(['20', '24']);
    expect(job?.steps.map((step) => step.run)).toContain(testLine);
  });
});

describe('Dependabot', () => {
  it('watches npm (the service and the bench), the Dockerfile and the workflow actions, where their manifests are', () => {
    const config = parse(readFileSync(path.join(PROJECT_ROOT, '.github', 'dependabot.yml'), 'utf8')) as {
      version: number;
      updates: { 'package-ecosystem': string; directory: string; schedule: { interval: string } }[];
    };
    expect(config.version).toBe(2);
    const watched = config.updates.map((update) => `${update['package-ecosystem']} ${update.directory}`);
    expect(watched.sort()).toEqual(['docker /', 'github-actions /', 'npm /', 'npm /bench']);
    const manifest: Record<string, string> = {
      npm: 'package.json',
      docker: 'Dockerfile',
      'github-actions': '.github/workflows',
    };
    for (const update of config.updates) {
      expect(update.schedule.interval).toMatch(/^(daily|weekly|monthly)$/);
      const file = manifest[update['package-ecosystem']] ?? '';
      expect(existsSync(path.join(PROJECT_ROOT, update.directory, file)), `${update.directory}${file}`).toBe(true);
    }
  });
});
