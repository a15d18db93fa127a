/**
 * The removal recipes of docs/make-it-yours.md as data, for scripts/check-removals.ts. Each names
 * the files to delete and the exact text edits to make; a `find` must match the committed code
 * exactly once, or the check fails naming the recipe and the file. Keep them in step with the page:
 * a recipe changed here is a recipe changed there.
 */

/** Replace `find` (exact text, found exactly once) with `replace` in `file`. */
export interface TextEdit {
  file: string;
  find: string;
  replace: string;
}

export interface Recipe {
  /** As the page's heading names it. */
  name: string;
  /** Recipes applied first, in the same copy. */
  after?: string[];
  /** Files and folders to delete. */
  delete?: string[];
  edits?: TextEdit[];
  /** npm scripts to delete from package.json (`npm pkg delete scripts.<name>`). */
  npmScripts?: string[];
  /** Packages to uninstall (`npm uninstall`); nothing may import them afterwards. */
  packages?: string[];
  /**
   * Set while the recipe cannot pass without a change in src/ that has not landed: the check
   * skips it (`--all` runs it anyway) and prints this, which says the change.
   */
  waitsFor?: string;
}

export const RECIPES: Recipe[] = [
  {
    name: 'the Lambda entry',
    delete: ['src/lambda.ts', 'test/integration/lambda.test.ts'],
    edits: [
      {
        file: 'src/api.ts',
        find: ` * The API's wiring: the real clients behind createApp's ports, and the listeners. Used by the HTTP
 * entry (src/server.ts) and the Lambda entry (src/lambda.ts). Every optional extra is one line here.`,
        replace: ` * The API's wiring: the real clients behind createApp's ports, and the listeners. Used by the HTTP
 * entry (src/server.ts). Every optional extra is one line here.`,
      },
    ],
  },
];
