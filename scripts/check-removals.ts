/**
 * `npm run check:removals`: holds docs/make-it-yours.md to its word. For each removal recipe there
 * (scripts/lib/removals-recipes.ts: the demo page, the template's own tooling, each optional
 * extra) it extracts the committed project (`git archive HEAD`, never the working tree) into a
 * folder of its own, links node_modules, applies the recipe (deletes files, makes exact text edits,
 * drops npm scripts and packages), then runs the type check (`tsc --noEmit -p .`) and the unit
 * tests (`vitest run src/`: the tests next to the code, which need no Redis) in that copy.
 * One line per recipe; exit 1 when any fails. A recipe whose text no longer matches the code fails
 * by name, so recipes cannot rot silently. Not part of `npm test`: it takes a few minutes.
 *
 * npx tsx scripts/check-removals.ts [name …] [--keep] [--lint] [--all]
 *   name     run only the recipes whose name contains it (e.g. `dashboard`)
 *   --keep   keep each copy and print where it is (to look at a failure)
 *   --lint   run ESLint and Prettier's check in each copy too (slower)
 *   --all    also run recipes marked as waiting for a change in src/
 * npx tsx scripts/check-removals.ts name --patch > removal.patch
 *   prints the recipe (with the ones it comes after) as a patch against HEAD, checks nothing;
 *   `git apply removal.patch` then makes the removal in your own tree.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from './lib/node-process.js';
import { RECIPES, type Recipe } from './lib/removals-recipes.js';

/** A recipe step that could not be applied: the recipe no longer matches the code. */
class RecipeError extends Error {}

const args = process.argv.slice(2);
const flags = new Set(args.filter((arg) => arg.startsWith('--')));
const names = args.filter((arg) => !arg.startsWith('--'));
const bin = (name: string) => path.join(PROJECT_ROOT, 'node_modules', '.bin', name);

function committedProject(): Buffer {
  try {
    return execFileSync('git', ['archive', '--format=tar', 'HEAD'], {
      cwd: PROJECT_ROOT,
      maxBuffer: 512 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    throw new Error(`this check reads the committed project: git archive HEAD failed in ${PROJECT_ROOT}`, {
      cause: error,
    });
  }
}

/** Files of the copy that may import a package: code, not documents or the lock file. */
function codeFiles(dir: string, root = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === '.git' || name === 'dist') return [];
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return codeFiles(full, root);
    return /\.(?:[cm]?[jt]s)$/.test(name) ? [path.relative(root, full)] : [];
  });
}

function applyRecipe(copy: string, recipe: Recipe): void {
  const where = (file: string) => `recipe "${recipe.name}": ${file}`;
  for (const file of recipe.delete ?? []) {
    const target = path.join(copy, file);
    if (!existsSync(target)) throw new RecipeError(`${where(file)}: nothing to delete (moved or renamed?)`);
    rmSync(target, { recursive: true });
  }
  for (const { file, find, replace } of recipe.edits ?? []) {
    const target = path.join(copy, file);
    if (!existsSync(target)) throw new RecipeError(`${where(file)}: the file to edit is missing`);
    const text = readFileSync(target, 'utf8');
    const at = text.indexOf(find);
    const firstLine = find.split('\n').find((line) => line.trim() !== '') ?? find;
    if (at < 0) throw new RecipeError(`${where(file)}: text not found: ${JSON.stringify(firstLine.trim())}`);
    if (text.indexOf(find, at + 1) >= 0)
      throw new RecipeError(`${where(file)}: text found more than once: ${JSON.stringify(firstLine.trim())}`);
    writeFileSync(target, text.slice(0, at) + replace + text.slice(at + find.length));
  }
  if (recipe.packages?.length || recipe.npmScripts?.length) {
    const file = path.join(copy, 'package.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string> | undefined>;
    for (const name of recipe.packages ?? []) {
      const section = ['dependencies', 'devDependencies'].find((key) => manifest[key]?.[name] !== undefined);
      if (!section) throw new RecipeError(`${where('package.json')}: no package "${name}" to uninstall`);
      delete manifest[section]?.[name];
    }
    for (const name of recipe.npmScripts ?? []) {
      if (manifest.scripts?.[name] === undefined)
        throw new RecipeError(`${where('package.json')}: no npm script "${name}" to delete`);
      delete manifest.scripts[name];
    }
    writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  }
  // An uninstalled package must not be imported any more (node_modules here still has it, so tsc cannot tell).
  for (const name of recipe.packages ?? []) {
    const quoted = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const imported = new RegExp(`(?:from|import|require\\()\\s*\\(?\\s*['"]${quoted}(?:['"]|/)`);
    const users = codeFiles(copy).filter((file) => imported.test(readFileSync(path.join(copy, file), 'utf8')));
    if (users.length > 0) throw new RecipeError(`${where(users.join(', '))}: still imports "${name}"`);
  }
}

/** The recipe and the ones it is applied after, in order. */
function chain(recipe: Recipe): Recipe[] {
  return [
    ...(recipe.after ?? []).flatMap((name) => {
      const before = RECIPES.find((each) => each.name === name);
      if (!before) throw new Error(`recipe "${recipe.name}": no recipe "${name}" to apply first`);
      return chain(before);
    }),
    recipe,
  ];
}

/** The first lines of a failed command's output, enough to see what broke. */
function firstLines(output: string, count = 12): string {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, count)
    .map((line) => `    ${line}`)
    .join('\n');
}

function run(copy: string, command: string, commandArgs: string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, commandArgs, {
    cwd: copy,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/** The recipe as a patch against HEAD (paths relative to the project, for `git apply`). */
function patch(recipe: Recipe, archive: Buffer): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-removal-patch-'));
  try {
    for (const side of ['a', 'b']) {
      mkdirSync(path.join(dir, side));
      execFileSync('tar', ['-x', '-C', path.join(dir, side)], { input: archive });
    }
    for (const step of chain(recipe)) applyRecipe(path.join(dir, 'b'), step);
    // git diff --no-index exits 1 when the trees differ, which is the point here.
    const diff = spawnSync('git', ['diff', '--no-index', '--no-renames', '--binary', 'a', 'b'], {
      cwd: dir,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (diff.status !== 0 && diff.status !== 1) throw new Error(`git diff failed: ${diff.stderr}`);
    // a/a/… and b/b/… (the two folders) to a/… and b/…, as in a repository.
    return diff.stdout
      .replace(/^diff --git a\/[ab]\/(\S+) b\/[ab]\/(\S+)$/gm, 'diff --git a/$1 b/$2')
      .replace(/^(---|\+\+\+) ([ab])\/[ab]\//gm, '$1 $2/');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function check(recipe: Recipe, archive: Buffer): { ok: boolean; detail: string } {
  const copy = mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-removal-'));
  try {
    execFileSync('tar', ['-x', '-C', copy], { input: archive });
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    try {
      for (const step of chain(recipe)) applyRecipe(copy, step);
    } catch (error) {
      if (error instanceof RecipeError) return { ok: false, detail: error.message };
      throw error;
    }
    const steps: [string, string, string[]][] = [
      ['type check', bin('tsc'), ['--noEmit', '-p', '.']],
      // The tests next to the code; the type tests (*.test-d.ts) were just compiled by tsc.
      ['unit tests', bin('vitest'), ['run', 'src/', '--typecheck.enabled=false']],
      ...(flags.has('--lint')
        ? ([
            ['lint', bin('eslint'), ['.']],
            ['format check', bin('prettier'), ['--check', '.']],
          ] as [string, string, string[]][])
        : []),
    ];
    for (const [what, command, commandArgs] of steps) {
      const { ok, output } = run(copy, command, commandArgs);
      const where = flags.has('--keep') ? `in ${copy}` : '(--keep keeps the copy to look at)';
      if (!ok) return { ok: false, detail: `${what} failed ${where}:\n${firstLines(output, 40)}` };
    }
    return { ok: true, detail: flags.has('--keep') ? `copy: ${copy}` : '' };
  } finally {
    if (!flags.has('--keep')) rmSync(copy, { recursive: true, force: true });
  }
}

const selected = RECIPES.filter(
  (recipe) => names.length === 0 || names.some((name) => recipe.name.toLowerCase().includes(name.toLowerCase())),
);
if (selected.length === 0) {
  console.error(`no recipe matches ${names.join(', ')}; recipes: ${RECIPES.map((recipe) => recipe.name).join(', ')}`);
  process.exit(2);
}
const archive = committedProject();
if (flags.has('--patch')) {
  if (selected.length !== 1) {
    console.error(`--patch takes one recipe; ${names.join(', ')} matches ${selected.length}`);
    process.exit(2);
  }
  process.stdout.write(patch(selected[0] as Recipe, archive));
  process.exit(0);
}
const head = execFileSync('git', ['log', '-1', '--format=%h %s'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
console.log(`removal recipes of docs/make-it-yours.md on a clean copy of HEAD (${head.slice(0, 90)})`);
const width = Math.max(...selected.map((recipe) => recipe.name.length));
let failed = 0;
for (const recipe of selected) {
  const label = recipe.name.padEnd(width);
  if (recipe.waitsFor && !flags.has('--all')) {
    console.log(`${label}  skipped  waits for a change in src/: ${recipe.waitsFor}`);
    continue;
  }
  const started = performance.now();
  const { ok, detail } = check(recipe, archive);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const before = chain(recipe)
    .slice(0, -1)
    .map((step) => step.name);
  const applied = before.length > 0 ? `  (applied after: ${before.join(', ')})` : '';
  console.log(`${label}  ${ok ? 'passed' : 'FAILED'}  ${seconds} s${applied}${detail ? `\n  ${detail}` : ''}`);
  if (!ok) failed += 1;
}
process.exit(failed > 0 ? 1 : 0);
