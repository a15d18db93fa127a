import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../scripts/lib/node-process.js';

interface Example {
  file: string;
  code: string[];
}

/**
 * The committed project, extracted with `git archive HEAD`: never the working
 * tree, where the examples may already be applied or the README rewritten.
 */
function extractCommittedProject(dir: string): void {
  let archive: Buffer;
  try {
    archive = execFileSync('git', ['archive', '--format=tar', 'HEAD'], {
      cwd: PROJECT_ROOT,
      maxBuffer: 512 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    throw new Error(`this check reads the committed project: git archive HEAD failed in ${PROJECT_ROOT}`, {
      cause: error,
    });
  }
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
}

/** The README's TypeScript blocks that name their file in a first-line comment (`// src/… `). */
function readmeExamples(root: string): Example[] {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n\/\/ ((?:src|test)\/[\w./-]+\.ts)[^\n]*\n([\s\S]*?)```/g)].map((match) => ({
    file: match[1] ?? '',
    code: (match[2] ?? '').trimEnd().split('\n'),
  }));
}

/**
 * Applies an excerpt to an existing file as a newcomer would: its imports go on
 * top, a declaration replaces the one it redefines, and anything else goes where
 * the README says — at the end of the apiEndpoints list.
 */
function applyExcerpt(source: string, excerpt: string[]): string {
  const lines = source.split('\n');
  // A line the file already has (a project where the example was applied and committed) is not added again.
  const missing = excerpt.filter((line) => !lines.some((l) => l.trim() === line.trim()));
  for (const line of missing.filter((l) => l.startsWith('import ')).reverse()) lines.unshift(line);
  for (const line of missing.filter((l) => !l.startsWith('import '))) {
    const declaration = /^export const \w+ =/.exec(line)?.[0];
    const replaced = declaration ? lines.findIndex((l) => l.startsWith(declaration)) : -1;
    if (replaced >= 0) {
      lines[replaced] = line;
      continue;
    }
    // An endpoint group's line goes at the end of the apiEndpoints list.
    const list = lines.findIndex((l) => l.startsWith('export const apiEndpoints'));
    const anchor = list < 0 ? -1 : lines.findIndex((l, index) => index > list && l.startsWith('];'));
    if (anchor < 0) throw new Error(`no place for "${line}"`);
    lines.splice(anchor, 0, `  ${line}`);
  }
  return lines.join('\n');
}

describe("the committed README's worked examples (adding a job type and an endpoint)", () => {
  const copy = mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-readme-'));
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('type-check and pass their own test in a clean copy of HEAD', { timeout: 180_000 }, () => {
    extractCommittedProject(copy);
    const examples = readmeExamples(copy);
    expect(examples.map((example) => example.file)).toEqual([
      'src/jobs/send-welcome-mail.ts',
      'src/jobs/registry.ts',
      'src/routes/mail.ts',
      'src/app.ts',
      'src/routes/mail.test.ts',
    ]);
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
