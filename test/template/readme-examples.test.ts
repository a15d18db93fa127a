import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../scripts/lib/node-process.js';

interface Example {
  file: string;
  code: string[];
}

/** The README's TypeScript blocks that name their file in a first-line comment (`// src/… `). */
function readmeExamples(): Example[] {
  const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n\/\/ ((?:src|test)\/[\w./-]+\.ts)[^\n]*\n([\s\S]*?)```/g)].map((match) => ({
    file: match[1] ?? '',
    code: (match[2] ?? '').trimEnd().split('\n'),
  }));
}

/**
 * Applies an excerpt to an existing file as a newcomer would: its imports go on
 * top, a declaration replaces the one it redefines, and anything else goes where
 * the README says — next to the dm-jobqueue routes (before the demo page's).
 */
function applyExcerpt(source: string, excerpt: string[]): string {
  const lines = source.split('\n');
  for (const line of excerpt.filter((l) => l.startsWith('import ')).reverse()) lines.unshift(line);
  for (const line of excerpt.filter((l) => !l.startsWith('import '))) {
    const declaration = /^export const \w+ =/.exec(line)?.[0];
    const replaced = declaration ? lines.findIndex((l) => l.startsWith(declaration)) : -1;
    if (replaced >= 0) {
      lines[replaced] = line;
      continue;
    }
    const anchor = lines.findIndex((l) => l.includes("app.route('/', createDemoPageRoutes());"));
    if (anchor < 0) throw new Error(`no place for "${line}"`);
    lines.splice(anchor, 0, `  ${line}`);
  }
  return lines.join('\n');
}

describe("the README's worked examples (adding a job type and an endpoint)", () => {
  const copy = mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-readme-'));
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('type-check and pass their own test in a copy of the project', { timeout: 180_000 }, () => {
    const examples = readmeExamples();
    expect(examples.map((example) => example.file)).toEqual([
      'src/jobs/send-welcome-mail.ts',
      'src/jobs/registry.ts',
      'src/routes/mail.ts',
      'src/app.ts',
      'src/routes/mail.test.ts',
    ]);
    for (const entry of [
      'src',
      'test',
      'scripts',
      'config',
      'public',
      'package.json',
      'tsconfig.json',
      'vitest.config.ts',
      'vitest.reliability.config.ts',
    ]) {
      cpSync(path.join(PROJECT_ROOT, entry), path.join(copy, entry), { recursive: true });
    }
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    for (const { file, code } of examples) {
      const target = path.join(copy, file);
      writeFileSync(
        target,
        existsSync(target) ? applyExcerpt(readFileSync(target, 'utf8'), code) : `${code.join('\n')}\n`,
      );
    }
    const bin = (name: string) => path.join(PROJECT_ROOT, 'node_modules', '.bin', name);
    const run = (command: string, args: string[]) => {
      try {
        return execFileSync(command, args, { cwd: copy, encoding: 'utf8', stdio: 'pipe', timeout: 120_000 });
      } catch (error) {
        const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
        throw new Error(`${path.basename(command)} failed in the copy:\n${stdout}${stderr}`, { cause: error });
      }
    };
    run(bin('tsc'), ['--noEmit', '-p', '.']);
    expect(run(bin('vitest'), ['run', 'src/routes/mail.test.ts'])).toMatch(/1 passed/);
  });
});
