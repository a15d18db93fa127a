// Lint config: typescript-eslint's recommended type-aware rules on sources, tests and scripts.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // The bench's framework peers need bench/package.json's own dependencies, which npm ci does not install.
  {
    ignores: [
      'dist/',
      'bench/.build/',
      'node_modules/',
      'bench/node_modules/',
      'bench/servers/express-*.ts',
      'bench/servers/fastify-*.ts',
      'test-output/',
      'redis/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Job processors and ports are async by contract even when an implementation is synchronous.
      '@typescript-eslint/require-await': 'off',
    },
  },
  // The bench has a tsconfig of its own (tsconfig.json leaves it out, so removing an extra checks without it).
  {
    files: ['bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: false, project: './tsconfig.bench.json' } },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  // Plain Node scripts that must run without the dev dependencies (npm run start:api's pre-check).
  { files: ['scripts/**/*.mjs'], languageOptions: { globals: globals.node, sourceType: 'module' } },
  // The demo page's scripts run in the browser as plain ES modules (no build step).
  { files: ['public/**/*.js'], languageOptions: { globals: globals.browser, sourceType: 'module' } },
);
